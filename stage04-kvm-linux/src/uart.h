/* uart.h - a 16550A serial port: the guest's console. */
#ifndef KVM_LINUX_UART_H
#define KVM_LINUX_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	COM1_BASE = 0x3f8,
	COM1_IRQ = 4,
	COM2_BASE = 0x2f8,
	COM2_IRQ = 3,
	UART_PORTS = 8,
	UART_RX_BUFFER = 256,
};

/* Where transmitted bytes go. */
typedef void uart_output(void *context, uint8_t byte);

struct uart {
	/* The vCPU thread (port I/O) and the input thread (received bytes)
	 * both touch the registers, so every access holds the lock. */
	pthread_mutex_t lock;
	pthread_cond_t rx_space;
	int vm_fd, irq;
	uart_output *output;
	void *output_context;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_interrupt;      /* "transmitter empty" interrupt pending */
	bool irq_level;          /* what we last told KVM the line is */
	uint8_t rx[UART_RX_BUFFER];
	size_t rx_head, rx_count;
};

void uart_init(struct uart *uart, int vm_fd, int irq, uart_output *output,
	       void *output_context);

/* The port handler for the bus: offsets 0..7 from COM1_BASE. */
void uart_io(void *uart, uint16_t offset, bool is_write, uint8_t *data,
	     uint32_t size);

/* Hands the guest one received byte, waiting while the guest has not read
 * the ones before (so a fast pipe never loses input).  Called from the
 * input thread. */
void uart_receive(struct uart *uart, uint8_t byte);

#endif
