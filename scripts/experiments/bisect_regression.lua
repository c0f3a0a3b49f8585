-- bisect_regression.lua — which pass, and which single rewrite inside it,
-- first raised the simulated cycles above a threshold.
--   nex script scripts/experiments/bisect_regression.lua [MODEL] [THRESHOLD]
--              [PIPELINE] [TARGET]
-- ONNX models with dynamic inputs: nex script --shape x=1,3,640,640 SCRIPT det.onnx
-- MODEL: path or demo (default); PIPELINE: default (the default);
-- TARGET: preset (default m1). THRESHOLD: cycles; without it, the cycles of
-- the step before the first step that made cycles go up (so the answer is
-- "the first rewrite that made things worse").
-- Cycles usually fall along a pipeline, so a plain bisection over the
-- history (which wants the check to hold up to some step and fail after)
-- does not fit: the script finds the first step k whose cycles exceed the
-- threshold while step k-1's do not, then steps into that pass one rewrite
-- at a time from step k-1 until cycles cross it.
local model = arg[1] or "demo"
local threshold = tonumber(arg[2])
local pipeline = arg[3] or "default"
local target = arg[4] or "m1"

local s = nex.open(model, {target = target, pipeline = pipeline})
local ok, err = s:run()
if ok == nil then error(err, 0) end
local steps = s:steps()
if not threshold then
  for i = 2, #steps do
    if steps[i].cycles > steps[i - 1].cycles then threshold = steps[i - 1].cycles break end
  end
  if not threshold then
    print("cycles never go up along the pipeline")
    return
  end
end
local k
for i = 2, #steps do
  if steps[i].cycles > threshold and steps[i - 1].cycles <= threshold then k = i - 1 break end
end
if not k then
  print(string.format("no step raises cycles above %.0f", threshold))
  return
end
print(string.format("step %d (%s) raises cycles above %.0f: %.0f -> %.0f", k, steps[k + 1].pass,
  threshold, steps[k].cycles, steps[k + 1].cycles))

-- from step k-1, one rewrite at a time: each single rewrite is a step of
-- its own, until the pass is done (its step then says complete)
s:jump(k - 1)
s:pipeline(s:pipeline())   -- drop the steps after 0, keep the pipeline
assert(s:run(k - 1))
local before = s:info().cycles
local pass = steps[k + 1].pass
for n = 1, 100000 do
  local made, e = s:step()
  if made == nil then error(e, 0) end
  local st = s:info()
  if not made or st.pass ~= pass then break end
  if st.cycles > threshold then
    print(string.format("rewrite %d of %s: cycles %.0f -> %.0f", n, st.pass, before,
      st.cycles))
    print("remark: " .. (st.remarks[#st.remarks] or "(none)"))
    if st.last_op then
      local op = s:graph():op(st.last_op)
      print("op: " .. (op and op:text() or ("#" .. st.last_op .. " (gone)")))
    end
    return
  end
  before = st.cycles
end
print("no single rewrite crosses the threshold: the pass crosses it when it completes")
