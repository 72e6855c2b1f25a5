/* kvm_exit.h - the names of KVM's exit reasons, shared by the two monitors
 * (stages 3 and 4) for their messages and --stats. */
#ifndef COMMON_KVM_EXIT_H
#define COMMON_KVM_EXIT_H

#include <stdint.h>

/* Exit reasons are counted by number below this bound. */
enum { EXIT_REASONS = 64 };

/* "io", "hlt", "shutdown", ...: the name of a KVM_EXIT_* reason, or NULL
 * for one without a name here. */
const char *exit_reason_name(uint32_t reason);

#endif
