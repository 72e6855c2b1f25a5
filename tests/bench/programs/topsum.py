# topsum: the same loop as Python is written: a for over a range.
s = 0
for i in range(30000000):  # SIZE
    s += i % 7
print(s)
