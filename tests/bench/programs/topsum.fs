\ topsum: the same loop as Forth is written: a counted DO loop.
30000000 constant n \ SIZE
: run ( -- s ) 0 n 0 ?do i 7 mod + loop ;
run 0 .r cr bye
