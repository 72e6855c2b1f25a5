/* uart.c - the 16550A UART, as far as Linux's 8250 driver uses it.
 *
 * Eight registers from the base port (the 16550A data sheet):
 *
 *   +0  read: RBR, received byte    write: THR, byte to send   (DLAB=0)
 *   +1  IER, which interrupts are enabled                      (DLAB=0)
 *   +0/+1 the baud-rate divisor, low and high                  (DLAB=1)
 *   +2  read: IIR, why it interrupted  write: FCR, FIFO control
 *   +3  LCR, line control (bit 7: DLAB)   +4  MCR, modem control
 *   +5  LSR, line status                  +6  MSR, modem status
 *   +7  SCR, a scratch byte
 *
 * Sending is instant: a byte written to THR goes to stdout at once, so the
 * transmitter is always empty (LSR THRE and TEMT set; the kernel's console
 * code spins until they are).  Receiving is a buffer the input thread
 * fills.  The interrupt line (IRQ 4) is high while an enabled cause is
 * pending, and the monitor tells KVM's interrupt controller each change.
 * Not modelled: the loopback mode's data path, line errors, the baud rate
 * (stored, and meaningless here).
 */
#include "uart.h"

#include <linux/kvm.h>
#include <linux/serial_reg.h>
#include <string.h>
#include <sys/ioctl.h>

/* The registers' names and bits are the kernel's own, as its 8250 driver
 * uses them (<linux/serial_reg.h>).  FIFOs on: IIR's top two bits. */
#define IIR_FIFOS_ON 0xc0

void uart_init(struct uart *uart, int vm_fd, int irq, uart_output *output,
	       void *output_context)
{
	memset(uart, 0, sizeof(*uart));
	pthread_mutex_init(&uart->lock, NULL);
	pthread_cond_init(&uart->rx_space, NULL);
	uart->vm_fd = vm_fd;
	uart->irq = irq;
	uart->output = output;
	uart->output_context = output_context;
}

/* ANCHOR: uart-irq */
/* Sets the interrupt line to what the registers say.  Called with the lock
 * held after every change. */
static void update_irq(struct uart *uart)
{
	bool level = ((uart->ier & UART_IER_RDI) && uart->rx_count > 0) ||
		     ((uart->ier & UART_IER_THRI) && uart->thr_interrupt);
	struct kvm_irq_level line = { .irq = (uint32_t)uart->irq, .level = level };

	if (level == uart->irq_level)
		return;
	uart->irq_level = level;
	/* With KVM's irqchip, the line goes to its 8259 and I/O APIC, which
	 * deliver the interrupt to the vCPU without another exit to us. */
	ioctl(uart->vm_fd, KVM_IRQ_LINE, &line);
}
/* ANCHOR_END: uart-irq */

/* The highest-priority pending cause.  Reading IIR when it says "THR
 * empty" clears that cause, as on the chip. */
static uint8_t read_iir(struct uart *uart)
{
	uint8_t fifos = (uart->fcr & UART_FCR_ENABLE_FIFO) ? IIR_FIFOS_ON : 0;

	if ((uart->ier & UART_IER_RDI) && uart->rx_count > 0)
		return UART_IIR_RDI | fifos;
	if ((uart->ier & UART_IER_THRI) && uart->thr_interrupt) {
		uart->thr_interrupt = false;
		return UART_IIR_THRI | fifos;
	}
	return UART_IIR_NO_INT | fifos;
}

static uint8_t read_rbr(struct uart *uart)
{
	uint8_t byte;

	if (uart->rx_count == 0)
		return 0;
	byte = uart->rx[uart->rx_head];
	uart->rx_head = (uart->rx_head + 1) % UART_RX_BUFFER;
	uart->rx_count--;
	pthread_cond_signal(&uart->rx_space);
	return byte;
}

static uint8_t read_msr(const struct uart *uart)
{
	/* In loopback the modem inputs follow the outputs (the driver's
	 * probe checks this); otherwise a modem is always there and ready. */
	if (uart->mcr & UART_MCR_LOOP)
		return (uint8_t)((uart->mcr & UART_MCR_RTS) << 3 |     /* to CTS */
				 (uart->mcr & UART_MCR_DTR) << 5 |     /* to DSR */
				 (uart->mcr & (UART_MCR_OUT1 | UART_MCR_OUT2)) << 4);   /* RI, DCD */
	return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
}

static uint8_t uart_read(struct uart *uart, uint16_t offset)
{
	bool dlab = uart->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_RX:      return dlab ? uart->dll : read_rbr(uart);
	case UART_IER:     return dlab ? uart->dlm : uart->ier;
	case UART_IIR:     return read_iir(uart);
	case UART_LCR:     return uart->lcr;
	case UART_MCR:     return uart->mcr;
	case UART_LSR:     return (uart->rx_count ? UART_LSR_DR : 0) |
				  UART_LSR_THRE | UART_LSR_TEMT;
	case UART_MSR:     return read_msr(uart);
	default:           return uart->scr;
	}
}

static void uart_write(struct uart *uart, uint16_t offset, uint8_t value)
{
	bool dlab = uart->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_TX:
		if (dlab) {
			uart->dll = value;
		} else {
			uart->output(uart->output_context, value);
			uart->thr_interrupt = true;   /* sent: THR is empty again */
		}
		break;
	case UART_IER:
		if (dlab) {
			uart->dlm = value;
			break;
		}
		/* Enabling the "THR empty" interrupt while THR is empty, as
		 * it always is here, raises it at once. */
		if ((value & UART_IER_THRI) && !(uart->ier & UART_IER_THRI))
			uart->thr_interrupt = true;
		uart->ier = value & 0x0f;
		break;
	case UART_FCR:
		if (value & UART_FCR_CLEAR_RCVR) {
			uart->rx_count = 0;
			pthread_cond_signal(&uart->rx_space);
		}
		uart->fcr = value;
		break;
	case UART_LCR: uart->lcr = value; break;
	case UART_MCR: uart->mcr = value; break;
	case UART_SCR: uart->scr = value; break;
	default: break;                          /* LSR and MSR are read-only */
	}
}

void uart_io(void *device, uint16_t offset, bool is_write, uint8_t *data,
	     uint32_t size)
{
	struct uart *uart = device;

	pthread_mutex_lock(&uart->lock);
	if (is_write) {
		uart_write(uart, offset, data[0]);
	} else {
		memset(data, 0, size);
		data[0] = uart_read(uart, offset);
	}
	update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
}

void uart_receive(struct uart *uart, uint8_t byte)
{
	pthread_mutex_lock(&uart->lock);
	while (uart->rx_count == UART_RX_BUFFER)
		pthread_cond_wait(&uart->rx_space, &uart->lock);
	uart->rx[(uart->rx_head + uart->rx_count) % UART_RX_BUFFER] = byte;
	uart->rx_count++;
	update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
}
