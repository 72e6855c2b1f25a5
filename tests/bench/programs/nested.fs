\ nested: a nested loop of arithmetic (counted loops; s on the stack).
3000 constant n \ SIZE
: run ( -- s )
  0 n 0 ?do n 0 ?do j i * + 7 + 1000003 mod loop loop ;
run 0 .r cr bye
