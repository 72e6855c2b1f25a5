/* scratch64: run with --mode=long.  Writes a value to the scratch MMIO
 * register at 0xe0000000 and reads it back: prints "kept" or "lost". */
	.code64
	.globl _start
_start:
	mov	$0xe0000000, %ebx
	movq	$0x1122334455667788, %rax
	mov	%rax, (%rbx)
	mov	(%rbx), %rcx
	lea	kept(%rip), %rsi
	cmp	%rax, %rcx
	je	print
	lea	lost(%rip), %rsi
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

kept:	.asciz	"kept\n"
lost:	.asciz	"lost\n"
