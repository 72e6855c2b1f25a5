-- fib: the doubly recursive Fibonacci function: calls and returns.
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local n = 35 -- SIZE
print(fib(n))
