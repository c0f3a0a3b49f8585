-- Handles that outlived their graph raise "stale ... handle".
local s = nex.open("demo", {pipeline = "canonicalize"})
local g = s:graph()
local op = g:op_list()[1]
assert(op:kind() == "conv")
s:apply()                                  -- the session changed
local ok, err = pcall(op.kind, op)
assert(not ok and err:find("stale op handle"), err)
ok, err = pcall(g.count, g)
assert(not ok and err:find("stale graph handle"), err)
-- a handle kept from inside a pass
local kept
nex.pass{name = "keep", run = function(pg, ctx) kept = pg:op_list()[1] end}
s:insert(2, "keep")
s:run()
ok, err = pcall(kept.kind, kept)
assert(not ok and err:find("stale op handle"), err)
print("stale handles caught")
