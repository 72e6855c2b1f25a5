/* triplefault: run with --mode=long.  Loads an empty interrupt table, then
 * divides by zero.  With no handler for the fault, nor for the double fault
 * that follows, the CPU shuts down: KVM reports KVM_EXIT_SHUTDOWN.
 * (A software KVM, kvm_pvm, cannot emulate int3 or ud2, hence a division.
 * The divisor is ecx, not eax: under `make check-nested`, kvm_amd inside
 * QEMU's software emulation, `div %eax` by zero did not fault at all.) */
	.code64
	.globl _start
_start:
	lidt	empty_idt(%rip)
	xor	%ecx, %ecx
	div	%ecx
	hlt

empty_idt:
	.word	0
	.quad	0
