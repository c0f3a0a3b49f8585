-- The per-op numeric debugger from Lua (s:op_numeric): rows per op result
-- against step 0, conclusions as row indexes, options, errors.
local s = nex.open("demo", {pipeline = "infer-shapes,fold-batchnorm,fuse-activation,to-fp16"})
assert(s:run())
local n = s:op_numeric()
assert(n.step == s:cursor() and n.against == 0)
assert(#n.rows > 0)
local matched, around = 0, 0
for _, r in ipairs(n.rows) do
	assert(r.op and r.result and r.kind and r.verdict and r.match)
	if r.match ~= "none" then
		matched = matched + 1
		-- fp16 keeps the direction of every value
		assert(r.cosine > 0.999, r.result .. " " .. r.cosine)
		assert(r.ref and r.max_abs and r.snr_db and r.shadow_cosine)
		assert(r.verdict == "pass" or r.verdict == "warn", r.verdict)
		if r.match == "around" then around = around + 1 end
	else
		assert(r.verdict == "unmatched" and r.cosine == nil)
	end
end
assert(matched > 0 and around > 0)
assert(n.root == nil and n.first_nan == nil)
assert(n.worst and n.rows[n.worst].cosine)
-- against another step, propagated mode only
local m = s:op_numeric(s:cursor(), {against = 1, shadow = false})
assert(m.against == 1 and m.rows[1].shadow_cosine == nil)
-- a stricter warn bound turns every passing matched value into a warning
local w = s:op_numeric(nil, {limits = {cos_warn = 2}})
for _, r in ipairs(w.rows) do
	if r.match ~= "none" then assert(r.verdict == "warn" or r.verdict == "fail") end
end
-- a fail bound no fp16 value meets: the first op is the root cause
local f = s:op_numeric(nil, {limits = {cos_hard = 2}})
assert(f.root and f.rows[f.root].verdict == "fail" and f.first_fail == f.root)
local ok, err = pcall(s.op_numeric, s, nil, {limits = {cosine = 1}})
assert(not ok and err:find("no limit 'cosine'"), err)
ok, err = pcall(s.op_numeric, s, nil, {against = 99})
assert(not ok and err:find("no step 99"), err)
ok, err = pcall(s.op_numeric, s, 99)
assert(not ok and err:find("no step 99"), err)
-- an op making NaN (log of a negative) is named with its step-0 counterpart
nex.write("nan.nex", [[
graph @nan(%x: f32[8]) -> (%y: f32[8]) {
  %ten = const f32[1] dense[10.0]
  %one = const f32[1] dense[1.0]
  %a = sub(%x, %ten) : f32[8]
  %b = log(%a) : f32[8]
  %c = mul(%b, %one) : f32[8]
  %y = relu(%c) : f32[8]
  return %y
}
]])
local t = nex.open("nan.nex", {pipeline = "canonicalize"})
assert(t:run())
local q = t:op_numeric()
assert(q.first_nan, "no first NaN op")
local r = q.rows[q.first_nan]
assert(r.result == "b" and r.ref == "b" and r.kind == "log" and r.nan == 8, r.result)
print("numeric api ok")
