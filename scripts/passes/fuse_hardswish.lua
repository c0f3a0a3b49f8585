-- fuse_hardswish.lua — the decomposed HardSwish fusion as a Lua pass: the
-- forms exporters emit for x * relu6(x + 3) / 6, and x * hard_sigmoid(x)
-- with alpha 1/6, become one hard_swish(x). It gives the same IR as the
-- HardSwish rule of the C pass fuse-patterns (tests/lua checks it).
--   nex opt MODEL --load scripts/passes/fuse_hardswish.lua \
--       --pipeline canonicalize,fuse-hardswish

local relu6 = {"clip", {"add", "x", 3.0}, min = 0.0, max = 6.0}

-- Roots are the last op of each form; intermediate values must feed only
-- the pattern (nex.match checks it), so nothing has to be recomputed.
-- The alternatives are compiled once (nex.pattern) and tried in order in C.
local hardswish = nex.pattern{
  {"div", {"mul", "x", relu6}, 6.0},          -- x * relu6(x+3) / 6
  {"mul", {"mul", "x", relu6}, 1.0 / 6.0},    -- x * relu6(x+3) * (1/6)
  {"mul", "x", {"div", relu6, 6.0}},          -- x * (relu6(x+3) / 6)
  {"mul", "x", {"mul", relu6, 1.0 / 6.0}},    -- x * (relu6(x+3) * (1/6))
  {"mul", "x", {"hard_sigmoid", "x", alpha = 1.0 / 6.0, beta = 0.5}},
}

nex.pass {
  name = "fuse-hardswish",
  summary = "fuse decomposed hard_swish (x*relu6(x+3)/6, x*hard_sigmoid(x)) [Lua]",
  run = function(g, ctx)
    for op in g:ops("mul", "div") do
      local m, ops = nex.match(op, hardswish)
      if m then
        if not ctx:rewrite(op) then return end
        local hs = g:add_op{kind = "hard_swish", operands = {m.x}, before = op, from = ops}
        ctx:remark("fused hard_swish into %%%s (hard_swish)", op:name())
        op:replace_by(hs)
        ctx:stat("hard_swish")
      end
    end
  end,
}
