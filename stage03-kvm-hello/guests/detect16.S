/* detect16: is the debug port there?  Bochs and QEMU answer a read of
 * port 0xe9 with 0xe9.  Prints "debug port: yes" or "debug port: no". */
	.code16
	.globl _start
_start:
	in	$0xe9, %al
	mov	$yes, %si
	cmp	$0xe9, %al
	je	print
	mov	$no, %si
print:
	mov	$0x3f8, %dx
next:
	lodsb
	test	%al, %al
	jz	done
	out	%al, %dx
	jmp	next
done:
	hlt

yes:	.asciz	"debug port: yes\n"
no:	.asciz	"debug port: no\n"
