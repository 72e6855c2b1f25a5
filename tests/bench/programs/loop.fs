\ loop: a long counting loop (a counted DO loop; the sum on the stack).
30000000 constant n \ SIZE
: run ( -- sum ) 0 n 0 ?do i + loop ;
run 0 .r cr bye
