-- phase_order.lua — every order of a chosen set of passes on a model: the
-- latency, energy, peak memory and op count each order gives on a target,
-- and the Pareto front (orders no other order beats on all four).
--   nex script scripts/experiments/phase_order.lua [MODEL] [PASSES] [TARGET] [OUT.csv]
-- ONNX models with dynamic inputs: nex script --shape x=1,3,640,640 SCRIPT det.onnx
-- MODEL: a model path or demo (default); PASSES: comma-separated (default
-- fold-batchnorm,fuse-patterns,fuse-activation,cancel-transposes);
-- TARGET: a preset (default m1). The orders run between a fixed prefix
-- (infer-shapes,canonicalize) and suffix (dce,partition,layout-ne,tile,
-- schedule,plan-memory). With OUT.csv the table is also written there.
local model = arg[1] or "demo"
local set = arg[2] or "fold-batchnorm,fuse-patterns,fuse-activation,cancel-transposes"
local target = arg[3] or "m1"
local out = arg[4]
local prefix, suffix = "infer-shapes,canonicalize", "dce,partition,layout-ne,tile,schedule,plan-memory"

local passes = {}
for p in set:gmatch("[^,]+") do passes[#passes + 1] = p end
assert(#passes >= 1 and #passes <= 6, "give 1 to 6 passes (6! = 720 orders)")

-- Heap's algorithm: every permutation of passes
local orders = {}
local function permute(a, n)
  if n == 1 then orders[#orders + 1] = table.concat(a, ",") return end
  for i = 1, n do
    permute(a, n - 1)
    local j = (n % 2 == 0) and i or 1
    a[j], a[n] = a[n], a[j]
  end
end
permute({table.unpack(passes)}, #passes)
table.sort(orders)

local s = nex.open(model, {target = target})
local rows = {}
for _, order in ipairs(orders) do
  s:pipeline(prefix .. "," .. order .. "," .. suffix)
  local ok, err = s:run()
  if ok == nil then error("order " .. order .. ": " .. err, 0) end
  local st = s:info()
  rows[#rows + 1] = {order = order, latency_us = st.latency_us, energy_uj = st.energy_uj,
                     peak = st.peak, ops = st.ops}
end

local keys = {"latency_us", "energy_uj", "peak", "ops"}
local function dominates(a, b)
  local better = false
  for _, k in ipairs(keys) do
    if a[k] > b[k] then return false end
    if a[k] < b[k] then better = true end
  end
  return better
end
for _, r in ipairs(rows) do
  r.pareto = true
  for _, o in ipairs(rows) do
    if dominates(o, r) then r.pareto = false break end
  end
end
table.sort(rows, function(a, b)
  if a.latency_us ~= b.latency_us then return a.latency_us < b.latency_us end
  return a.order < b.order
end)

print(string.format("%d orders of %s on %s (%s)", #rows, set, model, target))
print(string.format("%-60s %12s %12s %12s %6s %s", "order", "latency_us", "energy_uj", "peak",
  "ops", "pareto"))
local csv = {"order,latency_us,energy_uj,peak,ops,pareto"}
for _, r in ipairs(rows) do
  print(string.format("%-60s %12.1f %12.2f %12d %6d %s", r.order, r.latency_us, r.energy_uj,
    r.peak, r.ops, r.pareto and "*" or ""))
  csv[#csv + 1] = string.format('"%s",%.3f,%.4f,%d,%d,%s', r.order, r.latency_us, r.energy_uj,
    r.peak, r.ops, tostring(r.pareto))
end
local front = 0
for _, r in ipairs(rows) do if r.pareto then front = front + 1 end end
print(string.format("Pareto front: %d of %d orders", front, #rows))
if out then nex.write(out, table.concat(csv, "\n") .. "\n") end
