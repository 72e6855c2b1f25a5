/* scratch64: run with --mode=long.  Exercises the scratch MMIO register at
 * 0xe0000000 with accesses of every size at several offsets, and prints
 * "kept" if every read returns what the writes left there, "lost" if not. */
	.code64
	.globl _start
_start:
	mov	$0xe0000000, %ebx
	movq	$0x1122334455667788, %rax
	mov	%rax, (%rbx)		/* 8 bytes at offset 0 */
	movb	$0xaa, 3(%rbx)		/* 1 byte at offset 3 */
	movw	$0xbbcc, 6(%rbx)	/* 2 bytes at offset 6 */
	/* now 88 77 66 aa 44 33 cc bb, from offset 0 up */
	mov	(%rbx), %rcx
	movq	$0xbbcc3344aa667788, %rax
	cmp	%rax, %rcx
	jne	lost_it
	mov	4(%rbx), %ecx		/* 4 bytes at offset 4 */
	cmp	$0xbbcc3344, %ecx
	jne	lost_it
	movzbl	7(%rbx), %ecx		/* 1 byte at offset 7 */
	cmp	$0xbb, %ecx
	jne	lost_it
	movzwl	2(%rbx), %ecx		/* 2 bytes at offset 2 */
	cmp	$0xaa66, %ecx
	jne	lost_it
	lea	kept(%rip), %rsi
	jmp	print
lost_it:
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
