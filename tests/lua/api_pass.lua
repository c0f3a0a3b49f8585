-- Lua passes: registration, options, ctx, stepping one rewrite at a time,
-- the history, remarks, stats, errors that name the script and the op.
nex.pass{
  name = "drop-relu",
  summary = "erase relus whose input is a relu",
  options = {{name = "limit", type = "int", default = 100, help = "at most this many"}},
  run = function(g, ctx)
    local done = 0
    for op in g:ops() do
      if done >= ctx:option("limit") then return end
      if op:kind() == "relu" then
        local p = op:operand(1):producer()
        if p and p:kind() == "relu" then
          if not ctx:rewrite(op) then return end
          local name = op:name()
          op:result():replace_uses(p:result())
          op:erase()
          ctx:remark("dropped %s", name)
          ctx:stat("dropped")
          done = done + 1
        end
      end
    end
  end,
}
local ok, err = pcall(nex.pass, {name = "dce", run = function() end})
assert(not ok and err:find("built%-in"), err)
ok, err = pcall(nex.pass, {name = "drop-relu", run = function() end})
assert(not ok and err:find("already defined"), err)

-- a model with three stacked relus
local path = "relus.nex"
nex.write(path, [[
graph @r(%x: f32[1,4]) -> (%y: f32[1,4]) {
  %a = relu(%x) : f32[1,4]
  %b = relu(%a) : f32[1,4]
  %y = relu(%b) : f32[1,4]
  return %y
}
]])
local s = nex.open(path, {pipeline = "drop-relu"})
assert(s:pipeline() == "drop-relu")
assert(s:step())
local st = s:info()
assert(st.step == 1 and st.pass == "drop-relu" and st.rewrites == 1 and not st.complete, st.rewrites)
assert(st.ops == 2 and st.stats.dropped == 1 and #st.remarks == 1)
assert(s:step())              -- one step per rewrite: step 2 holds the second
assert(s:info().step == 2 and s:info().rewrites == 1 and s:info().ops == 1)
assert(s:step() == false)     -- nothing left
assert(s:info().complete)
-- born: ops a Lua pass creates carry the step
nex.pass{name = "wrap", run = function(g, ctx)
  for op in g:ops() do
    if op:kind() == "relu" and op:result():is_output() then
      if not ctx:rewrite(op) then return end
      local n = g:add_op{kind = "sigmoid", operands = {op:operand(1)}}
      op:replace_by(n)
      return
    end
  end
end}
s:insert(2, "wrap")
assert(s:run())
local g = s:graph()
local last = g:outputs()[1]:producer()
assert(last:kind() == "sigmoid" and last:born() == 3 and last:name() == "a", last:name())
assert(type(last:origin()) == "table")  -- the model has no loc(): origin stays empty
-- undo / redo / jump / diff
assert(s:undo() and s:cursor() == 2 and s:redo() and s:cursor() == 3)
s:jump(0)
assert(s:cursor() == 0)
local d = s:diff(2, 3)
assert(#d.added == 1 and #d.removed == 1 and d.unified:find("sigmoid"))
-- pipeline edits
s:toggle(2)
assert(s:pipeline() == "drop-relu,-wrap")
s:set_option(1, "limit=1")
assert(s:pipeline() == "drop-relu{limit=1},-wrap")
s:move(1, 2)
s:remove(1)
assert(s:pipeline() == "drop-relu{limit=1}")
ok, err = pcall(s.set_option, s, 1, "nope=1")
assert(not ok and err:find("no option 'nope'"), err)
-- a pass that breaks: the error names the script, the line and the op
nex.pass{name = "broken", run = function(g, ctx)
  for op in g:ops() do
    ctx:rewrite(op)
    op:set_attr("x", {})
    op:erase()
  end
end}
s:pipeline("broken")
local made, msg = s:apply()
assert(made == nil and msg:find("api_pass.lua:%d+: op %%a %(relu%): cannot erase"), msg)
assert(s:info().ok == false)
-- changing without ctx:rewrite is refused
nex.pass{name = "sneaky", run = function(g, ctx) g:op_list()[1]:set_attr("x", 1) end}
s:pipeline("sneaky")
made, msg = s:apply()
assert(made == nil and msg:find("after ctx:rewrite"), msg)
print("pass api ok")
