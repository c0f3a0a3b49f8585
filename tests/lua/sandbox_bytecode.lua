-- Binary chunks are refused, whatever the mode argument says.
local ok, err = pcall(load, "\27Lua\84\0", "bin", "b")
assert(not ok and err:find("binary chunks are refused"), err)
local f, err2 = load("\27Lua\84\0\25\147\13\10\26\10", "bin")
assert(f == nil and err2:find("binary"), err2)
assert(load("return 1 + 1")() == 2)
print("bytecode refused")
