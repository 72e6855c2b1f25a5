/* run.h - running the VM until it ends, and handling its exits. */
#ifndef KVM_LINUX_RUN_H
#define KVM_LINUX_RUN_H

#include <signal.h>

#include "board.h"

/* The signal that stops a vCPU thread in KVM_RUN; console.c leaves it
 * alone. */
#define VCPU_KICK SIGRTMIN

/* Runs every vCPU, one thread each, until the VM ends (and every vCPU has
 * stopped); timeout in seconds, 0 for none.  Which vCPU ended it is in
 * m->ended_by (-1: the timeout or the user). */
enum vm_end run_machine(struct machine *m, double timeout, struct error_report *err);

/* Installs the handlers for the signals that end the VM (the timeout's,
 * the escape's) and for the kick, and ignores SIGPIPE so that a console nobody reads is a
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
