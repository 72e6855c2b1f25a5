/* modes.h - the state a vCPU starts in. */
#ifndef KVM_HELLO_MODES_H
#define KVM_HELLO_MODES_H

#include <stdint.h>

#include "vm.h"

enum cpu_mode {
	MODE_REAL,     /* 16-bit real mode, as an x86 CPU comes out of reset */
	MODE_LONG,     /* 64-bit long mode, set up by the monitor itself */
};

/* General registers the user may set on the command line (--reg ax=2). */
struct initial_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi;
};

/* Puts the vCPU in mode, about to run the image at GUEST_LOAD_ADDRESS. */
int setup_vcpu(struct vm *vm, enum cpu_mode mode, const struct initial_regs *regs,
	       struct error_report *err);

#endif
