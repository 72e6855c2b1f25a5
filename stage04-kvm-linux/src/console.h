/* console.h - the user's terminal as the guest's serial console. */
#ifndef KVM_LINUX_CONSOLE_H
#define KVM_LINUX_CONSOLE_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "base/diag.h"
#include "uart.h"

/* Ctrl-A then x ends the VM when stdin is a terminal; Ctrl-A Ctrl-A sends
 * one Ctrl-A to the guest. */
enum { CONSOLE_ESCAPE = 0x01 };

/* Starts a thread that feeds stdin to the UART.  When stdin is a terminal
 * it is put in raw mode first (keys go to the guest as typed, Ctrl-C
 * included) and restored on every way out: exit(), any fatal signal that
 * can be caught (which then ends the process as it would have), or
 * console_restore().  When the escape is typed, on_escape is called from
 * the input thread.  Returns 0, or -1 with err. */
int console_start(struct uart *uart, void (*on_escape)(void),
		  struct error_report *err);

/* Puts the terminal back as it was; safe to call more than once, and from
 * a signal handler. */
void console_restore(void);

#endif
