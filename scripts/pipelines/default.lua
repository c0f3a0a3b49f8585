-- default.lua — nex's default pipeline as editable Lua: one entry per pass
-- with the reason it sits where it does. Edit the list (reorder, drop, add
-- options) and run it:
--   nex script scripts/pipelines/default.lua              prints the pipeline
--   nex script scripts/pipelines/default.lua MODEL [TARGET]
--                          applies it to MODEL (costed on TARGET, default m1)
--                          and prints a table of the steps
-- For ONNX models with dynamic dims, set shapes below (e.g. x = {1,3,640,640}).

local pipeline = {
  {"infer-shapes"},                    -- types known before anything reads them
  {"fold-constants"},                  -- fold first: fusions see canonical patterns
  {"canonicalize"},
  {"cse"},
  {"cancel-transposes"},               -- a transpose between conv and act blocks fusion
  {"fold-batchnorm"},
  {"fuse-patterns"},
  {"fuse-activation"},
  {"canonicalize"},                    -- clean up what fusion left
  {"dce"},
  {"partition"},                       -- place ops (NE or CPU) before choosing layouts
  {"layout-ne"},                       -- layouts before tiling: padding counts
  {"tile"},
  {"schedule"},                        -- on the final sizes
  {"plan-memory"},                     -- last, on the final order
  {"verify"},
}
local shapes = {}                      -- e.g. shapes = {x = {1, 3, 640, 640}}

-- "name{k=v,...}" for each entry; an entry may carry options = {k = v}.
local function text(p)
  local parts = {}
  for _, e in ipairs(p) do
    local s = e[1]
    if e.options then
      local kv = {}
      for k, v in pairs(e.options) do kv[#kv + 1] = k .. "=" .. tostring(v) end
      table.sort(kv)
      s = s .. "{" .. table.concat(kv, ",") .. "}"
    end
    if e.enabled == false then s = "-" .. s end
    parts[#parts + 1] = s
  end
  return table.concat(parts, ",")
end

local model, target = arg and arg[1], arg and arg[2] or "m1"
if not model then
  print(text(pipeline))
  return
end
local s = nex.open(model, {shapes = shapes, target = target, pipeline = text(pipeline)})
local ok, err = s:run()
print(string.format("%-4s %-18s %8s %6s %12s %12s %10s", "step", "pass", "rewrites", "ops",
  "peak", "cycles", "energy_uj"))
for _, st in ipairs(s:steps()) do
  print(string.format("%-4d %-18s %8d %6d %12d %12.0f %10.2f%s", st.step, st.pass, st.rewrites,
    st.ops, st.peak or 0, st.cycles or 0, st.energy_uj or 0, st.ok and "" or "  FAILED"))
end
if ok == nil then error(err, 0) end
