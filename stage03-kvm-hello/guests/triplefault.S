/* triplefault: run with --mode=long.  Loads an empty interrupt table, then
 * divides by zero.  With no handler for the fault, nor for the double fault
 * that follows, the CPU shuts down: KVM reports KVM_EXIT_SHUTDOWN.
 * (In real mode the same guest works too, but this host's software KVM
 * takes seconds to get there; and it cannot emulate int3 or ud2 at all.) */
	.code64
	.globl _start
_start:
	lidt	empty_idt(%rip)
	xor	%eax, %eax
	div	%eax
	hlt

empty_idt:
	.word	0
	.quad	0
