/* hello64: plain 64-bit code, for a monitor that starts the vCPU directly
 * in long mode (kvm-hello --mode=long), as a Linux loader does. */
	.code64
	.globl _start
_start:
	lea	message(%rip), %rsi
	mov	$0x3f8, %dx
next:
	lodsb
	test	%al, %al
	jz	done
	out	%al, %dx
	jmp	next
done:
	hlt

message:
	.asciz	"Hello, long mode, from the monitor!\n"
