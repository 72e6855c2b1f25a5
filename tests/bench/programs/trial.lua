-- trial: counts the primes below a bound by trial division, one call each.
local function is_prime(n)
  if n < 2 then return 0 end
  local d = 2
  while d * d <= n do
    if n % d == 0 then return 0 end
    d = d + 1
  end
  return 1
end

local count = 0
local bound = 600000 -- SIZE
for k = 0, bound - 1 do
  count = count + is_prime(k)
end
print(count)
