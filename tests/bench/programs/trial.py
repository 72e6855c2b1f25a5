# trial: counts the primes below a bound by trial division, one call each.
def is_prime(n):
    if n < 2:
        return 0
    d = 2
    while d * d <= n:
        if n % d == 0:
            return 0
        d += 1
    return 1


count = 0
for k in range(600000):  # SIZE
    count += is_prime(k)
print(count)
