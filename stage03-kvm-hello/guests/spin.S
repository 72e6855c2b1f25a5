/* spin: never halts.  Only --timeout stops it. */
	.code16
	.globl _start
_start:
	jmp	_start
