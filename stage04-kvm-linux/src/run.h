/* run.h - running the VM until it ends, and handling its exits. */
#ifndef KVM_LINUX_RUN_H
#define KVM_LINUX_RUN_H

#include "board.h"

/* Runs the vCPU until the VM ends; timeout in seconds, 0 for none. */
enum vm_end run_machine(struct machine *m, double timeout, struct error_report *err);

/* Installs the handlers for the signals that end KVM_RUN (the timeout's,
 * the escape's), and ignores SIGPIPE so that a console nobody reads is a
 * write error; before the input thread starts.  Returns 0 or -1. */
int install_run_signals(struct error_report *err);

/* Called from the input thread when the user types the escape. */
void request_escape(void);

/* Handles the exit KVM described in vcpu's kvm_run page, with the board's
 * devices (exits.c): VM_RUNNING to enter the guest again, or how the VM
 * ended (END_ERROR with err). */
enum vm_end handle_exit(struct machine *m, const struct kvm_vcpu *vcpu,
			struct error_report *err);

#endif
