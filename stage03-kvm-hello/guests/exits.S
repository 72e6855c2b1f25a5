/* exits: writes to port 0x80 (where no device is) ecx times, so that
 * --stats shows the cost of one VM exit.  ecx = 0 means 100000. */
	.code16
	.globl _start
_start:
	test	%ecx, %ecx
	jnz	loop
	mov	$100000, %ecx
loop:
	out	%al, $0x80
	dec	%ecx
	jnz	loop
	hlt
