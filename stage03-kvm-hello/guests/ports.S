/* ports: a hostile guest.  Writes to every port but the kit's three
 * devices, reads from them all, and touches memory beyond RAM (MMIO with
 * no device behind it).  The monitor must survive all of it. */
	.code16
	.globl _start
_start:
	xor	%dx, %dx
next_port:
	cmp	$0xe9, %dx		/* leave the devices that print alone */
	je	skip
	cmp	$0x3f8, %dx
	je	skip
	cmp	$0x3f9, %dx		/* and input, which would wait for stdin */
	je	skip
	out	%al, %dx
	in	%dx, %al
skip:
	inc	%dx
	jnz	next_port

	/* Real mode reaches only the first MiB, all RAM: switch to 32-bit
	 * protected mode (as protected32 does) to reach beyond RAM. */
	cli
	lgdt	gdt_pointer
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $protected

	.code32
protected:
	mov	$0x10, %ax
	mov	%ax, %ds
	movl	$0x12345678, 0xd0000000	/* an MMIO write with no device */
	mov	0xd0000000, %eax	/* an MMIO read: all ones */
	cmp	$0xffffffff, %eax
	jne	wrong
	mov	$'.', %al
	mov	$0x3f8, %dx
	out	%al, %dx
wrong:
	hlt

	.p2align 3
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff
	.quad	0x00cf92000000ffff
gdt_pointer:
	.word	gdt_pointer - gdt - 1
	.long	gdt
