-- matrix: C = A * B for n x n matrices in one flat table, as Lua is written:
-- locals and numeric for loops; then a checksum of C.
local n = 200 -- SIZE
local nn = n * n
local mem = {}
for i = 0, nn - 1 do
  mem[i] = i % 10
  mem[nn + i] = i * 3 % 7
end
for r = 0, n - 1 do
  for c = 0, n - 1 do
    local sum = 0
    for k = 0, n - 1 do
      sum = sum + mem[r * n + k] * mem[nn + k * n + c]
    end
    mem[2 * nn + r * n + c] = sum
  end
end
local check = 0
for i = 0, nn - 1 do
  check = (check * 31 + mem[2 * nn + i]) % 1000000007
end
print(check)
