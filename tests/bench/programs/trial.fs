\ trial: counts the primes below a bound by trial division, one call each.
: prime? ( n -- 0|1 )
  dup 2 < if drop 0 exit then
  2 begin 2dup dup * >= while 2dup mod 0= if 2drop 0 exit then 1+ repeat
  2drop 1 ;
600000 constant bound \ SIZE
: run ( -- count ) 0 bound 0 ?do i prime? + loop ;
run 0 .r cr bye
