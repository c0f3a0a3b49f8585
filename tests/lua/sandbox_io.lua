-- io, os.execute, package, dofile, loadfile and string.dump are absent in
-- the sandbox; os keeps clock, time and date.
assert(io == nil, "io is present")
assert(os.execute == nil and os.remove == nil and os.getenv == nil, "os not cut")
assert(type(os.clock()) == "number" and type(os.time()) == "number" and os.date("%Y"))
assert(package == nil and dofile == nil and loadfile == nil and debug == nil)
assert(string.dump == nil)
local ok, err = pcall(require, "os")
assert(not ok and err:find("only 'nex'"), err)
assert(require("nex") == nex)
print("sandbox ok")
