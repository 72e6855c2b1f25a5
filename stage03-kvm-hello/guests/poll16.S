/* poll16: echo that asks first.  While the input status port (0x3fa) says
 * a byte is waiting, reads it from port 0x3f9 and writes it out. */
	.code16
	.globl _start
_start:
	mov	$0x3fa, %dx
	in	%dx, %al
	test	$1, %al
	jz	done
	mov	$0x3f9, %dx
	in	%dx, %al
	mov	$0x3f8, %dx
	out	%al, %dx
	jmp	_start
done:
	hlt
