-- loop: a long counting loop.
local n = 30000000 -- SIZE
local i, sum = 0, 0
while i < n do
  sum = sum + i
  i = i + 1
end
print(string.format("%d", sum))  -- an integer in LuaJIT too (its numbers are doubles)
