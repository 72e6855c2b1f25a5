# nested: a nested loop of arithmetic, in a function (locals).
def run(n):
    s = 0
    i = 0
    while i < n:
        j = 0
        while j < n:
            s = (s + i * j + 7) % 1000003
            j = j + 1
        i = i + 1
    return s


n = 3000  # SIZE
print(run(n))
