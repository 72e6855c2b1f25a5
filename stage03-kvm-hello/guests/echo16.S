/* echo16: copies input to output: reads port 0x3f9 a byte at a time (a
 * 16-bit read gives 0xffff once there is no more) and writes each byte to
 * port 0x3f8. */
	.code16
	.globl _start
_start:
	mov	$0x3f9, %dx
	in	%dx, %ax	/* ax = next byte, or 0xffff at the end */
	cmp	$0xffff, %ax
	je	done
	mov	$0x3f8, %dx
	out	%al, %dx
	jmp	_start
done:
	hlt
