-- sram_sweep.lua — latency and DRAM traffic of a model across on-chip SRAM
-- sizes and across the target presets, printed as a table and written as
-- CSV.
--   nex script scripts/experiments/sram_sweep.lua [MODEL] [OUT.csv] [SIZES]
-- ONNX models with dynamic inputs: nex script --shape x=1,3,640,640 SCRIPT det.onnx
-- MODEL: a path or demo (default); OUT.csv (default sram_sweep.csv, under
-- the working directory); SIZES: comma-separated (default
-- 256KiB,512KiB,1MiB,2MiB,4MiB,8MiB,16MiB,32MiB).
-- The graph is prepared once by the target-independent passes; the NE
-- model then plans memory and costs it for every preset x size. The
-- target-level passes (tile, plan-memory) are not re-run per size.
local model = arg[1] or "demo"
local out = arg[2] or "sram_sweep.csv"
local sizes = {}
for s in (arg[3] or "256KiB,512KiB,1MiB,2MiB,4MiB,8MiB,16MiB,32MiB"):gmatch("[^,]+") do
  sizes[#sizes + 1] = s
end

local s = nex.open(model, {pipeline =
  "infer-shapes,fold-constants,canonicalize,cse,cancel-transposes,fold-batchnorm," ..
  "fuse-patterns,fuse-activation,canonicalize,dce"})
local ok, err = s:run()
if ok == nil then error(err, 0) end
local g = s:graph()

print(string.format("%-22s %10s %14s %16s %12s", "preset", "sram", "latency_us", "dram_bytes",
  "spilled"))
local csv = {"preset,sram,sram_bytes,latency_us,cycles,dram_bytes,energy_uj,spilled_bytes"}
local sim
for _, preset in ipairs(nex.targets()) do
  for _, size in ipairs(sizes) do
    local t = nex.target(preset):set("sram", size)
    if sim then sim:set_target(t) else sim = nex.sim(g, t) end
    local r = sim:totals()
    print(string.format("%-22s %10s %14.1f %16.0f %12.0f", preset, size, r.latency_us,
      r.dram_bytes, r.spilled_bytes))
    csv[#csv + 1] = string.format("%s,%s,%d,%.3f,%.0f,%.0f,%.4f,%.0f", preset, size,
      math.tointeger(t:get("sram")) or 0, r.latency_us, r.cycles, r.dram_bytes, r.energy_uj,
      r.spilled_bytes)
  end
end
nex.write(out, table.concat(csv, "\n") .. "\n")
print("wrote " .. out)
