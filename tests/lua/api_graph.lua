-- The graph API: walk, read, edit a clone, match, print, verify.
local s = nex.open("demo")
local g = s:graph(0)
assert(g:name() == "demo")
local n, kinds = 0, {}
for op in g:ops() do
  n = n + 1
  kinds[op:kind()] = (kinds[op:kind()] or 0) + 1
end
assert(n == g:count() and n == #g:op_list())
assert(kinds.conv and kinds.conv > 0)
local conv = g:value("stem_conv"):producer()
assert(conv:kind() == "conv" and conv:name() == "stem_conv")
assert(conv:type() == "f32[1,16,112,112]" and conv:dtype() == "f32")
assert(table.concat(conv:shape(), ",") == "1,16,112,112")
assert(#conv:operands() >= 2 and conv:operand(1) == g:inputs()[1])
assert(conv:result(1):name() == "stem_conv" and #conv:results() == 1)
assert(conv:attr("strides")[1] == 2 and conv:attrs().strides[2] == 2 and conv:attr("nope") == nil)
assert(conv:origin()[1] and conv:born() == 0)
assert(#conv:users() == 1 and conv:users()[1] == conv:result():users()[1])
assert(g:inputs()[1]:is_input() and g:outputs()[1]:is_output())
assert(g:value("three"):is_const() and g:value("three"):scalar() == 3)
assert(g:value("three"):data()[1] == 3)
assert(conv:next():prev() == conv and conv:graph() == g)
assert(conv:text():find("conv%("))
assert(tostring(conv) == "op %stem_conv (conv)")
assert(g:print():find("graph @demo"))
assert(g:verify())
-- snapshots are read-only
local ok, err = pcall(conv.set_attr, conv, "group", 1)
assert(not ok and err:find("read%-only"), err)
-- a clone can be edited
local c = g:clone()
local x = c:inputs()[1]
local r = c:add_op{kind = "relu", operands = {x}, after = c:op_list()[1], name = "extra"}
assert(r:kind() == "relu" and r:name() == "extra" and r:type() == x:type())
local k = c:const("f32", {1}, {2.5}, "k")
assert(k:scalar() == 2.5)
local m = c:add_op{kind = "mul", operands = {r:result(), k}}
local uses = r:result():nuses()
assert(uses == 1)
m:erase()
r:erase_tree()
ok, err = pcall(r.kind, r)
assert(not ok and err:find("erased"), err)
assert(c:verify())
ok, err = pcall(c.add_op, c, {kind = "nope"})
assert(not ok and err:find("unknown op kind 'nope'"), err)
-- match: bindings, commutative operands, attributes, single-use inner ops
local hs = {"div", {"mul", "x", {"clip", {"add", "x", 3}, min = 0, max = 6}}, 6}
local found = 0
for op in g:ops() do
  local b, ops = nex.match(op, hs)
  if b then
    found = found + 1
    assert(b.x and #ops == 4 and ops[1] == op and ops[2]:kind() == "mul")
  end
end
assert(found == 3, found)
assert(nex.match(conv, {"conv", "_", "_"}) or nex.match(conv, {"conv", "_", "_", "_"}))
assert(nex.match(conv, {"relu", "x"}) == nil)
print("graph api ok")
-- compiled alternatives: the third result says which one matched
local alts = nex.pattern{{"relu", "x"}, {"div", {"mul", "x", {"clip", {"add", "x", 3}, min = 0, max = 6}}, 6}}
local which = {}
for op in g:ops("div", "relu") do
  local b, ops, i = nex.match(op, alts)
  if b then which[i] = (which[i] or 0) + 1; assert(b.x and ops[1] == op) end
end
assert(which[2] == 3, which[2])
assert(tostring(alts):find("pattern"))
local ok2, err2 = pcall(nex.pattern, {"nope", "x"})
assert(not ok2 and err2:find("unknown op kind 'nope'"), err2)
print("patterns ok")
-- an op and a value with the same id are not equal
local op0 = g:op_list()[1]
local v0 = g:value(op0:id())
assert(v0 == nil or op0 ~= v0)
print("eq ok")
