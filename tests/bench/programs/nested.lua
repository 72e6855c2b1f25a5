-- nested: a nested loop of arithmetic.
local n = 3000 -- SIZE
local s, i = 0, 0
while i < n do
  local j = 0
  while j < n do
    s = (s + i * j + 7) % 1000003
    j = j + 1
  end
  i = i + 1
end
print(s)
