-- args: --max-instructions 1e6
-- expect-error: sandbox_loop_line.lua:6: instruction limit reached
-- The limit error names the script line that was running.
local n = 0
while true do
  n = n + 1
end
