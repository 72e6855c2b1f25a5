/* flood: writes 256 KiB of output (the letters a to z over and over, a
 * newline every 64 bytes) with the string instruction outsb. */
	.code16
	.globl _start
_start:
	mov	$4096, %cx		/* 4096 lines of 64 bytes */
	mov	$0x3f8, %dx
line:
	push	%cx
	mov	$text, %si
	mov	$64, %cx
	rep outsb			/* one exit may carry many bytes */
	pop	%cx
	loop	line
	hlt

text:
	.ascii	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk\n"
