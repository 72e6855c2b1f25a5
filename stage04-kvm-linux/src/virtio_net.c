/* virtio_net.c - the network device: packets between the queues and a TAP.
 *
 * Transmitting is the vCPU's work: the driver notifies queue 1, and the
 * device writes each chain's readable buffers to the TAP in one writev(),
 * header and packet as they are.
 *
 * Receiving cannot wait for the guest: packets arrive when they arrive.  A
 * thread of the device's own polls the TAP, and for each packet takes a
 * chain of receive buffers the driver posted on queue 0, reads the packet
 * straight into them with readv(), and returns it.  When the driver has
 * posted no buffers the thread stops polling the TAP (the packets wait in
 * the kernel's queue for it) until the driver's next notification on
 * queue 0 wakes it through an eventfd.  poll() with that eventfd, not a
 * thread blocked in read(), is what lets the monitor stop the thread at
 * once when the VM ends.
 *
 * Both threads reach the queues only while holding the transport's lock.
 */
#include "virtio_net.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_tun.h>

#include "base/le.h"
#include "helper_thread.h"

#define NET_F_MAC (1ull << 5)

enum {
	CONFIG_BYTES = 6,                /* the MAC address: the only field offered */
	NUM_BUFFERS_OFFSET = 10,         /* in virtio_net_hdr_v1 */
	RX_BUDGET = 64,                  /* packets per turn of the lock */
};

/* A locally administered address (bit 1 of the first byte): "SVM", 1. */
static const uint8_t default_mac[6] = { 0x02, 0x53, 0x56, 0x4d, 0x00, 0x01 };

static void config_read(void *device, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct virtio_net *net = device;

	memcpy(data, net->mac + offset, len);
}

/* The MAC is the device's to say (VIRTIO_NET_F_CTRL_MAC_ADDR is not
 * offered): the driver's writes change nothing. */
static void config_write(void *device, uint32_t offset, const uint8_t *data, uint32_t len)
{
	(void)device, (void)offset, (void)data, (void)len;
}

/* A writev() the TAP refuses (its queue full, the link down) drops the
 * packet, as a full transmit ring on a real card does. */
static uint32_t transmit(void *device, const struct virtq_chain *chain)
{
	struct virtio_net *net = device;
	struct iovec iov[VIRTQ_MAX_SIZE];

	if (chain->readable_bytes < VIRTIO_NET_HDR)
		return 0;
	for (uint16_t i = 0; i < chain->readable; i++)
		iov[i] = (struct iovec){ .iov_base = chain->buf[i].host, .iov_len = chain->buf[i].len };
	if (writev(net->tap_fd, iov, chain->readable) > 0)
		net->tx_packets++;
	return 0;
}

static void wake_receiver(struct virtio_net *net)
{
	uint64_t one = 1;

	if (write(net->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		perror("kvm-linux: virtio-net: eventfd");
}

static void notify(void *device, struct virtio_mmio *t, unsigned queue)
{
	struct virtio_net *net = device;

	if (queue == VIRTIO_NET_TX)
		virtio_mmio_serve_queue(t, queue, transmit, net);
	else
		wake_receiver(net);           /* new receive buffers */
}

static void reset(void *device)
{
	(void)device;                    /* the queues are the transport's */
}

static const struct virtio_device_ops net_ops = {
	.device_id = VIRTIO_ID_NET, .queues = 2, .config_size = CONFIG_BYTES,
	.config_read = config_read, .config_write = config_write,
	.notify = notify, .reset = reset,
};

static int parse_mac(uint8_t mac[6], const char *text)
{
	unsigned b[6];
	char end;

	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &end) != 6 || (b[0] & 1))
		return -1;                   /* bit 0 of the first byte: multicast */
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

int virtio_net_open_fd(struct virtio_net *net, int fd, struct error_report *err)
{
	memset(net, 0, sizeof(*net));
	memcpy(net->mac, default_mac, sizeof(net->mac));
	net->tap_fd = fd;
	net->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (net->wake_fd < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		report_set(err, 0, 0, "virtio-net: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* ANCHOR: open-tap */
int virtio_net_open_tap(struct virtio_net *net, const char *name, const char *mac,
			struct error_report *err)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	char sys[64 + IFNAMSIZ];
	struct stat st;
	int header = VIRTIO_NET_HDR;
	int fd;

	if (strlen(name) == 0 || strlen(name) >= IFNAMSIZ || strchr(name, '/')) {
		report_set(err, 0, 0, "--net tap=%s: not an interface name (1 to %d characters)",
			   name, IFNAMSIZ - 1);
		return -1;
	}
	/* TUNSETIFF would create a missing TAP for root; the monitor only
	 * uses one that the user set up. */
	snprintf(sys, sizeof(sys), "/sys/class/net/%s", name);
	if (stat(sys, &st) != 0) {
		report_set(err, 0, 0, "--net tap=%s: no such interface (create it with: "
			   "ip tuntap add %s mode tap user $USER; ip link set %s up)", name, name, name);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		report_set(err, 0, 0, "--net: /dev/net/tun: %s (modprobe tun)", strerror(errno));
		return -1;
	}
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &header) < 0) {
		report_set(err, 0, 0, "--net tap=%s: %s (a TAP needs root or CAP_NET_ADMIN, or "
			   "one created for you: ip tuntap add %s mode tap user $USER)", name,
			   strerror(errno), name);
		close(fd);
		return -1;
	}
	if (virtio_net_open_fd(net, fd, err) < 0)
		return -1;
	if (mac && parse_mac(net->mac, mac) < 0) {
		report_set(err, 0, 0, "--net mac=%s: not a unicast address like 02:00:00:00:00:01",
			   mac);
		return -1;
	}
	return 0;
}
/* ANCHOR_END: open-tap */

void virtio_net_attach(struct virtio_net *net, const struct guest_memory *mem,
		       virtio_irq_line *irq_line, void *irq_context)
{
	virtio_mmio_init(&net->transport, &net_ops, net, NET_F_MAC, mem, irq_line, irq_context);
}

enum receive_result {
	RX_ONE,           /* a packet went to the guest, or a bad chain back */
	RX_TAP_EMPTY,     /* nothing waiting: poll the TAP again */
	RX_NO_BUFFERS,    /* the driver has posted none: wait for its notification */
	RX_TAP_CLOSED,    /* end of file: the other side is gone */
};

/* One packet into one chain of receive buffers, with the lock held. */
static enum receive_result receive_one(struct virtio_net *net, bool *answered)
{
	static const uint8_t one_buffer[2] = { 1, 0 };
	struct virtio_mmio *t = &net->transport;
	struct virtq *q = &t->queues[VIRTIO_NET_RX];
	struct virtq_chain chain;
	struct iovec iov[VIRTQ_MAX_SIZE];
	const char *why = NULL;
	ssize_t got;

	if (!(t->status & VIRTIO_STATUS_DRIVER_OK) || (t->status & VIRTIO_STATUS_NEEDS_RESET) ||
	    !q->ready)
		return RX_NO_BUFFERS;
	switch (virtq_pop(q, t->mem, &chain, &why)) {
	case VIRTQ_EMPTY:
		net->rx_no_buffer_waits++;
		return RX_NO_BUFFERS;
	case VIRTQ_BAD_RING:
		t->last_error = why;
		return RX_NO_BUFFERS;
	case VIRTQ_BAD_CHAIN:
		t->bad_requests++;
		t->last_error = why;
		virtq_push(q, t->mem, chain.head, 0);
		*answered = true;
		return RX_ONE;
	case VIRTQ_CHAIN:
		break;
	}
	if (chain.writable == 0) {           /* no room for a packet: not a receive buffer */
		t->bad_requests++;
		t->last_error = "a receive chain with no writable buffer";
		virtq_push(q, t->mem, chain.head, 0);
		*answered = true;
		return RX_ONE;
	}
	for (uint16_t i = 0; i < chain.writable; i++)
		iov[i] = (struct iovec){ .iov_base = chain.buf[chain.readable + i].host,
					 .iov_len = chain.buf[chain.readable + i].len };
	got = readv(net->tap_fd, iov, chain.writable);
	if (got <= 0) {
		virtq_unpop(q);              /* nothing to put in it: the driver keeps it */
		return got == 0 ? RX_TAP_CLOSED : RX_TAP_EMPTY;
	}
	/* Without VIRTIO_NET_F_MRG_RXBUF a packet fills one chain, and the
	 * header says so (section 5.1.6.4). */
	if (got >= VIRTIO_NET_HDR)
		virtq_write(&chain, NUM_BUFFERS_OFFSET, one_buffer, sizeof(one_buffer));
	virtq_push(q, t->mem, chain.head, got >= VIRTIO_NET_HDR ? (uint32_t)got : 0);
	net->rx_packets++;
	*answered = true;
	return RX_ONE;
}

/* ANCHOR: receiver */
static void *receiver(void *arg)
{
	struct virtio_net *net = arg;
	bool want_packets = true, tap_open = true;

	for (;;) {
		struct pollfd fds[2] = { { .fd = net->wake_fd, .events = POLLIN },
					 { .fd = net->tap_fd,
					   .events = want_packets && tap_open ? POLLIN : 0 } };
		enum receive_result last = RX_ONE;
		bool answered = false;
		uint64_t count;

		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents & POLLIN) {
			if (read(net->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
				break;
			want_packets = true;
		}
		pthread_mutex_lock(&net->transport.lock);
		if (net->stopping) {
			pthread_mutex_unlock(&net->transport.lock);
			break;
		}
		if (fds[1].revents & (POLLIN | POLLERR | POLLHUP))
			for (int n = 0; n < RX_BUDGET && last == RX_ONE; n++)
				last = receive_one(net, &answered);
		if (answered)
			virtio_mmio_used(&net->transport);
		pthread_mutex_unlock(&net->transport.lock);
		if (last == RX_NO_BUFFERS)
			want_packets = false;
		if (last == RX_TAP_CLOSED)
			tap_open = false;
	}
	return NULL;
}
/* ANCHOR_END: receiver */

int virtio_net_start(struct virtio_net *net, struct error_report *err)
{
	int e = helper_thread_start(&net->receiver, receiver, net);

	if (e) {
		report_set(err, 0, 0, "virtio-net: cannot start its thread: %s", strerror(e));
		return -1;
	}
	net->receiving = true;
	return 0;
}

void virtio_net_stop(struct virtio_net *net)
{
	if (!net->receiving)
		return;
	pthread_mutex_lock(&net->transport.lock);
	net->stopping = true;
	pthread_mutex_unlock(&net->transport.lock);
	wake_receiver(net);
	pthread_join(net->receiver, NULL);
	net->receiving = false;
}

void virtio_net_close(struct virtio_net *net)
{
	virtio_net_stop(net);
	if (net->tap_fd >= 0)
		close(net->tap_fd);
	if (net->wake_fd >= 0)
		close(net->wake_fd);
	net->tap_fd = net->wake_fd = -1;
}
