/* hello16: real mode; prints a greeting through port 0x3f8 and halts. */
	.code16
	.globl _start
_start:
	mov	$message, %si
	mov	$0x3f8, %dx
next:
	lodsb			/* al = *si++ */
	test	%al, %al
	jz	done
	out	%al, %dx	/* one VM exit per byte */
	jmp	next
done:
	hlt

message:
	.asciz	"Hello, KVM!\n"
