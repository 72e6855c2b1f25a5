# matrix: C = A * B for n x n matrices in one flat list; then a checksum of C.
n = 200  # SIZE
nn = n * n
mem = [0] * (3 * nn)
for i in range(nn):
    mem[i] = i % 10
    mem[nn + i] = i * 3 % 7
for r in range(n):
    for c in range(n):
        total = 0
        for k in range(n):
            total += mem[r * n + k] * mem[nn + k * n + c]
        mem[2 * nn + r * n + c] = total
check = 0
for i in range(nn):
    check = (check * 31 + mem[2 * nn + i]) % 1000000007
print(check)
