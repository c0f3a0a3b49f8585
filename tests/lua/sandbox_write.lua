-- Files are written only under the working directory.
nex.write("ok.txt", "fine\n")
for _, p in ipairs{"/tmp/nex-escape.txt", "../escape.txt", "a/../../escape.txt", ""} do
  local ok, err = pcall(nex.write, p, "x")
  assert(not ok, "wrote " .. p)
  assert(err:find("working directory") or err:find("relative") or err:find("does not exist"), err)
end
print("writes confined")
