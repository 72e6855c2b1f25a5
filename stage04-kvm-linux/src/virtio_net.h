/* virtio_net.h - a virtio network device over a TAP device (virtio 1.1,
 * section 5.1): queue 0 receives, queue 1 transmits.
 *
 * Each packet, both ways, starts with a 12-byte virtio_net_hdr_v1.  A TAP
 * opened with IFF_VNET_HDR and a header size of 12 reads and writes
 * packets with the same header in front, so the device passes buffers
 * through as they are: the kernel's TAP driver and the guest's virtio-net
 * driver speak the same format.
 */
#ifndef KVM_LINUX_VIRTIO_NET_H
#define KVM_LINUX_VIRTIO_NET_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "virtio_mmio.h"

enum { VIRTIO_NET_HDR = 12, VIRTIO_NET_RX = 0, VIRTIO_NET_TX = 1 };

struct virtio_net {
	int tap_fd;                  /* one packet per read and per write */
	int wake_fd;                 /* an eventfd: receive buffers, or stop */
	uint8_t mac[6];
	struct virtio_mmio transport;
	pthread_t receiver;
	bool receiving, stopping;
	uint64_t rx_packets, tx_packets, rx_no_buffer_waits;
};

/* Opens the existing TAP device name (ip tuntap add NAME mode tap) with
 * the header the device needs.  mac may be NULL (then a fixed local one);
 * otherwise six hex bytes separated by colons.  On failure returns -1 with
 * err saying what to do. */
int virtio_net_open_tap(struct virtio_net *net, const char *name, const char *mac,
			struct error_report *err);

/* The same device over any descriptor that carries one packet, header
 * first, per read and per write (the tests use a socket pair). */
int virtio_net_open_fd(struct virtio_net *net, int fd, struct error_report *err);

void virtio_net_attach(struct virtio_net *net, const struct guest_memory *mem,
		       virtio_irq_line *irq_line, void *irq_context);

/* Starts and stops the thread that waits for received packets.  Returns
 * 0, or -1 with err set. */
int virtio_net_start(struct virtio_net *net, struct error_report *err);
void virtio_net_stop(struct virtio_net *net);

void virtio_net_close(struct virtio_net *net);

#endif
