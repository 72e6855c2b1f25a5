\ sieve: the sieve of Eratosthenes over a cell array, run several times.
1000000 constant limit
create mem limit cells allot
: cross-out ( p -- ) \ marks every multiple of p from p*p on
  dup dup * dup limit < if limit swap ?do 1 mem i cells + ! dup +loop else drop then drop ;
: sieve ( -- count )
  limit 0 ?do 0 mem i cells + ! loop
  0 limit 2 ?do
    mem i cells + @ 0= if 1+ i cross-out then
  loop ;
8 constant rounds \ SIZE
: run ( -- count ) 0 rounds 0 ?do drop sieve loop ;
run 0 .r cr bye
