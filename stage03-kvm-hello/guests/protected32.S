/* protected32: from real mode into 32-bit protected mode, then prints.
 * It loads its own GDT (flat 4 GiB code and data segments), sets CR0.PE,
 * and far-jumps to reload CS with a 32-bit code segment. */
	.code16
	.globl _start
_start:
	cli
	lgdt	gdt_pointer
	mov	%cr0, %eax
	or	$1, %eax		/* CR0.PE: protection enable */
	mov	%eax, %cr0
	ljmpl	$0x08, $protected	/* CS = selector 8: the code segment */

	.code32
protected:
	mov	$0x10, %ax		/* selector 16: the data segment */
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$message, %esi
	mov	$0x3f8, %dx
next:
	lodsb
	test	%al, %al
	jz	done
	out	%al, %dx
	jmp	next
done:
	hlt

	.p2align 3
gdt:
	.quad	0			/* the null descriptor */
	.quad	0x00cf9a000000ffff	/* code: base 0, limit 4 GiB, 32-bit */
	.quad	0x00cf92000000ffff	/* data: base 0, limit 4 GiB, writable */
gdt_pointer:
	.word	gdt_pointer - gdt - 1
	.long	gdt

message:
	.asciz	"Hello from 32-bit protected mode!\n"
