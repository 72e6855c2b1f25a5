-- topsum: the same loop as Lua is written: locals and a numeric for.
local s = 0
local n = 30000000 -- SIZE
for i = 0, n - 1 do
  s = s + i % 7
end
print(s)
