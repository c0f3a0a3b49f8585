-- args: --unsafe
-- docs/lua-api.md documents exactly the module: every `### `name`` heading
-- names a function that exists (nex.f, or a method of a handle class by
-- its conventional receiver), every exported function has a heading, and
-- every heading's section has a ```lua example. Needs --unsafe to read the
-- doc (io) and the class tables (debug.getregistry).
local src = arg[1] or os.getenv("NEX_SRC")
local f = assert(io.open(src .. "/docs/lua-api.md"))
local doc = f:read("a")
f:close()

local classes = {g = "nex.graph", op = "nex.op", v = "nex.value", s = "nex.session",
                 ctx = "nex.ctx", t = "nex.target", sim = "nex.sim"}
local reg = debug.getregistry()
local exported = {}
for k, v in pairs(nex) do
  if type(v) == "function" then exported["nex." .. k] = true end
end
for recv, mt in pairs(classes) do
  assert(reg[mt], "no class " .. mt)
  for k in pairs(reg[mt].__index) do exported[recv .. ":" .. k] = true end
end

local documented, problems = {}, {}
-- sections: from a "### `name`" heading to the next heading
local sections = {}
local pos = 1
while true do
  local s, e, head = doc:find("\n### `([^`]+)`[^\n]*\n", pos)
  if not s then break end
  local nexts = doc:find("\n##", e) or #doc + 1
  sections[#sections + 1] = {head, doc:sub(e, nexts)}
  pos = e
end
for _, sec in ipairs(sections) do
  local head, body = sec[1], sec[2]
  local name = head:match("^(nex%.[%w_]+)") or head:match("^([%w_]+:[%w_]+)")
  if not name then
    problems[#problems + 1] = "heading not a function: " .. head
  else
    documented[name] = true
    if name ~= "nex.session" and not exported[name] then
      problems[#problems + 1] = "documented but not in the module: " .. name
    end
    if not body:find("```lua\n", 1, true) then
      problems[#problems + 1] = "no example: " .. name
    end
  end
end
for name in pairs(exported) do
  if not documented[name] then problems[#problems + 1] = "not documented: " .. name end
end
table.sort(problems)
for _, p in ipairs(problems) do print(p) end
local n = 0
for _ in pairs(documented) do n = n + 1 end
assert(#problems == 0, #problems .. " problems")
assert(n >= 100, "only " .. n .. " documented names")
print(n .. " functions documented, each with an example")
