\ fib: the doubly recursive Fibonacci function: calls and returns.
: fib ( n -- f ) dup 2 < if exit then dup 1- recurse swap 2 - recurse + ;
35 constant n \ SIZE
n fib 0 .r cr bye
