# sieve: the sieve of Eratosthenes over a list, run several times.
mem = [0] * 1000000


def sieve(limit):
    i = 0
    while i < limit:
        mem[i] = 0
        i = i + 1
    count = 0
    i = 2
    while i < limit:
        if mem[i] == 0:
            count = count + 1
            j = i * i
            while j < limit:
                mem[j] = 1
                j = j + i
        i = i + 1
    return count


rounds = 8  # SIZE
count = 0
for _ in range(rounds):
    count = sieve(1000000)
print(count)
