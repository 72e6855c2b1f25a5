-- loop: a long counting loop.
local n = 30000000 -- SIZE
local i, sum = 0, 0
while i < n do
  sum = sum + i
  i = i + 1
end
print(sum)
