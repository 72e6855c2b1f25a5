# loop: a long counting loop, in a function so that its variables are locals.
def run(n):
    i = 0
    total = 0
    while i < n:
        total = total + i
        i = i + 1
    return total


n = 30000000  # SIZE
print(run(n))
