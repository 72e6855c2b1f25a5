/* add16: the classic first guest.  The monitor sets ax and bx (--reg ax=2
 * --reg bx=2, the default when both are 0); the guest prints ax + bx as
 * one decimal digit and a newline. */
	.code16
	.globl _start
_start:
	mov	%ax, %cx
	or	%bx, %cx
	jnz	add
	mov	$2, %ax
	mov	$2, %bx
add:
	add	%bx, %ax
	add	$'0', %al
	mov	$0x3f8, %dx
	out	%al, %dx
	mov	$'\n', %al
	out	%al, %dx
	hlt
