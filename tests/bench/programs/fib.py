# fib: the doubly recursive Fibonacci function: calls and returns.
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


n = 35  # SIZE
print(fib(n))
