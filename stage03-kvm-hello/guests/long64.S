/* long64: from real mode all the way to 64-bit long mode, as a CPU must:
 * page tables (identity-mapping the first 2 MiB with one huge page), PAE,
 * EFER.LME, then paging and protection on together; the CPU sets EFER.LMA
 * itself at that moment.  A far jump to a 64-bit code segment finishes it. */
	.code16
	.globl _start
	.set	PML4, 0x10000		/* three page-table pages, 4 KiB aligned */
	.set	PDPT, 0x11000
	.set	PD,   0x12000
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %es
	mov	$0x1000, %ax		/* es:di walks the page tables: 0x10000 */
	mov	%ax, %es
	xor	%di, %di
	xor	%eax, %eax
	mov	$3 * 4096 / 4, %ecx
	rep stosl			/* zero them */
	movl	$PDPT | 3, %es:0x0000	/* PML4[0] -> PDPT, present + writable */
	movl	$PD | 3, %es:0x1000	/* PDPT[0] -> PD */
	movl	$0x83, %es:0x2000	/* PD[0]: 2 MiB at 0, present, writable, huge */

	lgdt	gdt_pointer
	mov	$PML4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$1 << 5, %eax		/* CR4.PAE */
	mov	%eax, %cr4
	mov	$0xc0000080, %ecx	/* the EFER model-specific register */
	rdmsr
	or	$1 << 8, %eax		/* EFER.LME: long mode enable */
	wrmsr
	mov	%cr0, %eax
	or	$0x80000001, %eax	/* CR0.PG | CR0.PE: now EFER.LMA = 1 */
	mov	%eax, %cr0
	ljmpl	$0x08, $long_mode

	.code64
long_mode:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %ss
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

	.p2align 3
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* code: L = 1, a 64-bit segment */
	.quad	0x00cf92000000ffff	/* data */
gdt_pointer:
	.word	gdt_pointer - gdt - 1
	.long	gdt

message:
	.asciz	"Hello from 64-bit long mode!\n"
