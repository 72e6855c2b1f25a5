-- sieve: the sieve of Eratosthenes over an array, run several times.
local mem = {}
local function sieve(limit)
  local i = 0
  while i < limit do mem[i] = 0; i = i + 1 end
  local count = 0
  i = 2
  while i < limit do
    if mem[i] == 0 then
      count = count + 1
      local j = i * i
      while j < limit do mem[j] = 1; j = j + i end
    end
    i = i + 1
  end
  return count
end

local rounds = 8 -- SIZE
local count = 0
for _ = 1, rounds do count = sieve(1000000) end
print(count)
