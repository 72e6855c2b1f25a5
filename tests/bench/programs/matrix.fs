\ matrix: C = A * B for n x n matrices in one cell array, with counted
\ loops; then a checksum of C.
200 constant n \ SIZE
n n * constant nn
create mem nn 3 * cells allot
: m ( index -- addr ) cells mem + ;
: init-ab ( -- ) nn 0 ?do i 10 mod i m !  i 3 * 7 mod nn i + m ! loop ;
: dot ( r c -- sum ) \ row r of A times column c of B
  0 n 0 ?do  2 pick n * i + m @  i n * 3 pick + nn + m @  * +  loop nip nip ;
: product ( -- ) n 0 ?do n 0 ?do j i dot  2 nn * j n * + i + m ! loop loop ;
: checksum ( -- x ) 0 nn 0 ?do 31 * 2 nn * i + m @ + 1000000007 mod loop ;
init-ab product checksum 0 .r cr bye
