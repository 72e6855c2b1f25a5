/* test_virtio.c - the virtio-mmio transport, the virtqueue and the block
 * device, driven on plain memory by a made-up driver: no KVM, no kernel.
 *
 * Each test writes registers, rings and descriptors as a guest would (or as
 * a hostile guest might), notifies the queue, and checks the device's
 * answers and the bytes of the disk image.  Prints "ok - name" or
 * "FAIL - name: what" for each; exits 1 if any failed.
 *
 *   build/test-virtio          every test
 *
 * The network device runs over a socket pair instead of a TAP (one packet
 * per read and write, as a TAP gives), with its receiving thread running.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/le.h"
#include "guest_memory.h"
#include "virtio_blk.h"
#include "virtio_eventfd.h"
#include "virtio_mmio.h"
#include "virtio_net.h"

enum {
	RAM = 32 << 20,              /* MAP_NORESERVE: costs only what is touched */
	DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000, DATA = 0x10000,
	QSIZE = 8, SECTORS = 64,
	F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4,
	T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8,
};

struct rig {
	struct guest_memory mem;
	struct virtio_mmio *t;           /* the device's transport */
	struct virtio_blk blk;
	struct virtio_net net;
	int peer;                        /* the other end of the net device's "TAP" */
	char image[64];
	int irq_level, irq_rises;
	uint16_t avail_idx, used_seen, next_desc;
};

static int failures;
static const char *current;

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (current)
		printf("FAIL - %s: ", current);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
	current = NULL;                  /* one report per test */
}

#define CHECK(cond, ...) do { if (current && !(cond)) fail(__VA_ARGS__); } while (0)

static void irq_line(void *context, bool level)
{
	struct rig *r = context;

	if (level && !r->irq_level)
		r->irq_rises++;
	r->irq_level = level;
}

static uint32_t reg_read(struct rig *r, uint64_t offset)
{
	uint8_t data[4];

	virtio_mmio_access(r->t, offset, false, data, 4);
	return le_get32(data);
}

static void reg_write(struct rig *r, uint64_t offset, uint32_t value)
{
	uint8_t data[4];

	le_put32(data, value);
	virtio_mmio_access(r->t, offset, true, data, 4);
}

static uint8_t *at(struct rig *r, uint64_t gpa) { return r->mem.host + gpa; }

/* The driver's side of section 3.1.1, as Linux does it. */
static void driver_init(struct rig *r, uint32_t accept_low, uint32_t accept_high)
{
	reg_write(r, 0x070, 0);
	reg_write(r, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	reg_write(r, 0x024, 0);
	reg_write(r, 0x020, accept_low);
	reg_write(r, 0x024, 1);
	reg_write(r, 0x020, accept_high);
	reg_write(r, 0x070, reg_read(r, 0x070) | VIRTIO_STATUS_FEATURES_OK);
	reg_write(r, 0x030, 0);
	reg_write(r, 0x038, QSIZE);
	reg_write(r, 0x080, DESC);
	reg_write(r, 0x084, 0);
	reg_write(r, 0x090, AVAIL);
	reg_write(r, 0x094, 0);
	reg_write(r, 0x0a0, USED);
	reg_write(r, 0x0a4, 0);
	reg_write(r, 0x044, 1);
	reg_write(r, 0x070, reg_read(r, 0x070) | VIRTIO_STATUS_DRIVER_OK);
	r->avail_idx = r->used_seen = r->next_desc = 0;
	memset(at(r, DESC), 0, 0x3000 + 0x1000);
}

static void setup(struct rig *r, bool read_only)
{
	struct error_report err = { 0 };
	uint8_t sector[512];
	int fd;

	memset(r, 0, sizeof(*r));
	if (guest_memory_map(&r->mem, RAM) < 0) {
		perror("test-virtio: mmap");
		exit(2);
	}
	snprintf(r->image, sizeof(r->image), "/tmp/test-virtio-XXXXXX");
	fd = mkstemp(r->image);
	for (int s = 0; s < SECTORS; s++) {
		memset(sector, 'A' + s % 26, sizeof(sector));
		if (fd < 0 || write(fd, sector, sizeof(sector)) != (ssize_t)sizeof(sector)) {
			perror("test-virtio: the image");
			exit(2);
		}
	}
	close(fd);
	if (virtio_blk_open(&r->blk, r->image, read_only, &err) < 0) {
		fprintf(stderr, "test-virtio: %s\n", err.message);
		exit(2);
	}
	virtio_blk_attach(&r->blk, &r->mem, irq_line, r);
	r->t = &r->blk.transport;
	driver_init(r, 1u << 9 | (read_only ? 1u << 5 : 0), 1);
}

static void teardown(struct rig *r)
{
	virtio_blk_close(&r->blk);
	unlink(r->image);
	guest_memory_unmap(&r->mem);
}

/* Writes descriptor i and returns i. */
static uint16_t desc(struct rig *r, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint8_t *d = at(r, DESC + 16u * i);

	le_put64(d, addr);
	le_put32(d + 8, len);
	le_put16(d + 12, flags);
	le_put16(d + 14, next);
	return i;
}

/* Offers the chain at head, notifies, and returns the used length of the
 * answer (or -1 when no answer came). */
static long submit(struct rig *r, uint16_t head)
{
	uint8_t *used_idx = at(r, USED + 2);

	le_put16(at(r, AVAIL + 4 + 2u * (r->avail_idx % QSIZE)), head);
	r->avail_idx++;
	le_put16(at(r, AVAIL + 2), r->avail_idx);
	reg_write(r, 0x050, 0);
	if (le_get16(used_idx) == r->used_seen)
		return -1;
	{
		uint8_t *elem = at(r, USED + 4 + 8u * (r->used_seen % QSIZE));
		long len = le_get32(elem + 4);

		if (le_get32(elem) != head)
			fail("the used ring names head %u, not %u", le_get32(elem), head);
		r->used_seen++;
		reg_write(r, 0x064, reg_read(r, 0x060));     /* acknowledge */
		return len;
	}
}

/* A request of the usual three pieces: header, data (len bytes at DATA),
 * status byte.  Returns the used length. */
static long request(struct rig *r, uint32_t type, uint64_t sector, uint32_t len,
		    bool device_writes)
{
	uint8_t *h = at(r, 0x8000);

	le_put32(h, type);
	le_put32(h + 4, 0);
	le_put64(h + 8, sector);
	at(r, 0x9000)[0] = 0xee;
	desc(r, 0, 0x8000, 16, F_NEXT, 1);
	if (len) {
		desc(r, 1, DATA, len, F_NEXT | (device_writes ? F_WRITE : 0), 2);
		desc(r, 2, 0x9000, 1, F_WRITE, 0);
	} else {
		desc(r, 1, 0x9000, 1, F_WRITE, 0);
	}
	return submit(r, 0);
}

static uint8_t status_byte(struct rig *r) { return at(r, 0x9000)[0]; }

static void image_bytes(struct rig *r, uint64_t offset, void *out, size_t len)
{
	int fd = open(r->image, O_RDONLY);

	memset(out, 0, len);
	if (fd < 0 || pread(fd, out, len, (off_t)offset) != (ssize_t)len)
		fail("cannot read the image back");
	if (fd >= 0)
		close(fd);
}

#define TEST(name) static void test_##name(struct rig *r)

TEST(the_registers_identify_a_modern_block_device)
{
	uint8_t byte[1];

	CHECK(reg_read(r, 0x000) == 0x74726976, "magic %#x", reg_read(r, 0x000));
	CHECK(reg_read(r, 0x004) == 2, "version %u", reg_read(r, 0x004));
	CHECK(reg_read(r, 0x008) == VIRTIO_ID_BLOCK, "device id %u", reg_read(r, 0x008));
	reg_write(r, 0x014, 1);
	CHECK(reg_read(r, 0x010) & 1, "VERSION_1 (feature 32) is not offered");
	reg_write(r, 0x014, 0);
	CHECK(reg_read(r, 0x010) & (1u << 9), "FLUSH is not offered");
	CHECK(!(reg_read(r, 0x010) & (1u << 5)), "a writable disk says read-only");
	CHECK(reg_read(r, 0x034) == VIRTQ_MAX_SIZE, "QueueNumMax %u", reg_read(r, 0x034));
	CHECK(reg_read(r, 0x100) == SECTORS && reg_read(r, 0x104) == 0, "capacity %u",
	      reg_read(r, 0x100));
	CHECK(reg_read(r, 0x108) == 0, "past the config space reads %#x", reg_read(r, 0x108));
	virtio_mmio_access(r->t, 0x000, false, byte, 1);
	CHECK(byte[0] == 0, "a 1-byte read of a register is %#x, not 0", byte[0]);
	CHECK(reg_read(r, 0x070) & VIRTIO_STATUS_DRIVER_OK, "the driver's set-up failed");
}

TEST(a_read_split_over_two_buffers_returns_the_image)
{
	uint8_t want[1024];
	uint8_t *h = at(r, 0x8000);
	long len;

	le_put32(h, T_IN);
	le_put64(h + 8, 3);
	desc(r, 0, 0x8000, 16, F_NEXT, 1);
	desc(r, 1, DATA, 100, F_NEXT | F_WRITE, 2);
	desc(r, 2, DATA + 100, 924, F_NEXT | F_WRITE, 3);
	desc(r, 3, 0x9000, 1, F_WRITE, 0);
	len = submit(r, 0);
	image_bytes(r, 3ull * 512, want, sizeof(want));
	CHECK(len == 1025, "used length %ld, not 1025", len);
	CHECK(status_byte(r) == 0, "status %u", status_byte(r));
	CHECK(memcmp(at(r, DATA), want, sizeof(want)) == 0, "the data differs from the image");
	CHECK(r->irq_rises == 1 && !r->irq_level, "interrupt rose %d times, level %d after the ack",
	      r->irq_rises, r->irq_level);
}

TEST(a_write_whose_header_is_split_reaches_the_image)
{
	uint8_t *h = at(r, 0x8000);
	uint8_t got[512];
	long len;

	memset(at(r, DATA), 'z', 512);
	le_put32(h, T_OUT);
	le_put64(h + 8, 10);
	desc(r, 0, 0x8000, 5, F_NEXT, 1);
	desc(r, 1, 0x8005, 11, F_NEXT, 2);
	desc(r, 2, DATA, 512, F_NEXT, 3);
	desc(r, 3, 0x9000, 1, F_WRITE, 0);
	len = submit(r, 0);
	image_bytes(r, 10ull * 512, got, sizeof(got));
	CHECK(len == 1 && status_byte(r) == 0, "len %ld status %u", len, status_byte(r));
	CHECK(got[0] == 'z' && got[511] == 'z', "sector 10 holds %c", got[0]);
	image_bytes(r, 11ull * 512, got, 1);
	CHECK(got[0] == 'A' + 11, "the write spilled into sector 11");
}

TEST(flush_and_get_id_answer)
{
	long len = request(r, T_FLUSH, 0, 0, false);
	const char *name = strrchr(r->image, '/') + 1;

	CHECK(len == 1 && status_byte(r) == 0, "flush: len %ld status %u", len, status_byte(r));
	len = request(r, T_GET_ID, 0, 20, true);
	CHECK(len == 21 && status_byte(r) == 0, "get-id: len %ld status %u", len, status_byte(r));
	CHECK(memcmp(at(r, DATA), name, strlen(name)) == 0, "get-id says %.20s", at(r, DATA));
	len = request(r, 99, 0, 0, false);
	CHECK(len == 1 && status_byte(r) == 2, "type 99: len %ld status %u (UNSUPP is 2)", len,
	      status_byte(r));
}

TEST(requests_past_the_end_or_not_whole_sectors_fail_with_ioerr)
{
	static const struct { uint64_t sector; uint32_t len; } bad[] = {
		{ SECTORS, 512 }, { SECTORS - 1, 1024 }, { 1ull << 55, 512 },
		{ UINT64_MAX, 512 }, { UINT64_MAX / 512 + 1, 512 }, { 0, 511 }, { 0, 513 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long len = request(r, T_IN, bad[i].sector, bad[i].len, true);

		CHECK(len == 1 && status_byte(r) == 1, "read of %u at sector %llu: len %ld status %u",
		      bad[i].len, (unsigned long long)bad[i].sector, len, status_byte(r));
		len = request(r, T_OUT, bad[i].sector, bad[i].len, false);
		CHECK(len == 1 && status_byte(r) == 1, "write of %u at sector %llu: len %ld status %u",
		      bad[i].len, (unsigned long long)bad[i].sector, len, status_byte(r));
	}
	CHECK(request(r, T_IN, SECTORS - 1, 512, true) == 513, "the last sector cannot be read");
}

/* The hostile chains: each goes back unanswered, and the next request works. */
static void expect_refused(struct rig *r, uint16_t head, const char *what)
{
	uint64_t before = r->blk.transport.bad_requests;
	long len = submit(r, head);

	CHECK(len == 0, "%s: used length %ld, not 0", what, len);
	CHECK(r->blk.transport.bad_requests == before + 1, "%s: not counted as bad", what);
	CHECK(request(r, T_IN, 0, 512, true) == 513, "after %s the device no longer answers", what);
}

TEST(hostile_chains_are_answered_with_nothing_and_the_queue_goes_on)
{
	desc(r, 0, 0x8000, 16, F_NEXT, 1);
	desc(r, 1, DATA, 512, F_NEXT | F_WRITE, 0);          /* 0 -> 1 -> 0 -> ... */
	expect_refused(r, 0, "a loop of two descriptors");
	desc(r, 0, 0x8000, 16, F_NEXT, 0);                    /* 0 -> 0 */
	expect_refused(r, 0, "a descriptor that is its own next");
	desc(r, 0, RAM - 8, 16, F_NEXT, 1);
	desc(r, 1, 0x9000, 1, F_WRITE, 0);
	expect_refused(r, 0, "a buffer that runs past the end of RAM");
	desc(r, 0, UINT64_MAX - 4, 16, 0, 0);
	expect_refused(r, 0, "an address that wraps");
	desc(r, 0, 0x8000, 16, F_INDIRECT, 0);
	expect_refused(r, 0, "an indirect descriptor");
	desc(r, 0, 0x8000, 16, F_NEXT, QSIZE);
	expect_refused(r, 0, "a next past the table");
	desc(r, 0, 0x9000, 1, F_WRITE | F_NEXT, 1);
	desc(r, 1, 0x8000, 16, 0, 0);
	expect_refused(r, 0, "a readable descriptor after a writable one");
}

TEST(a_chain_of_more_than_4_gib_is_refused)
{
	/* 8 descriptors of 3 GiB do not fit in RAM; 8 of 16 MiB do, but the
	 * queue must be larger to sum past 4 GiB: 256 x 16 MiB = 4 GiB. */
	reg_write(r, 0x070, 0);
	driver_init(r, 1u << 9, 1);
	reg_write(r, 0x044, 0);
	reg_write(r, 0x038, 256);
	reg_write(r, 0x044, 1);
	for (unsigned i = 0; i < 256; i++)
		desc(r, (uint16_t)i, 0, 16 << 20, i < 255 ? F_NEXT : 0, (uint16_t)(i + 1));
	le_put16(at(r, AVAIL + 4), 0);
	le_put16(at(r, AVAIL + 2), 1);
	reg_write(r, 0x050, 0);
	CHECK(r->blk.transport.bad_requests == 1, "a 4 GiB chain was not refused");
	CHECK(le_get32(at(r, USED + 4 + 4)) == 0, "its used length is not 0");
}

TEST(a_broken_ring_stops_the_queue_until_a_reset)
{
	le_put16(at(r, AVAIL + 2), QSIZE + 1);                /* more than the ring holds */
	reg_write(r, 0x050, 0);
	CHECK(reg_read(r, 0x070) & VIRTIO_STATUS_NEEDS_RESET, "DEVICE_NEEDS_RESET not set");
	CHECK(reg_read(r, 0x060) & 2, "no configuration-change interrupt");
	CHECK(le_get16(at(r, USED + 2)) == 0, "a request was answered from a broken ring");
	driver_init(r, 1u << 9, 1);
	CHECK(request(r, T_IN, 0, 512, true) == 513, "the device does not work after a reset");
	le_put16(at(r, AVAIL + 4 + 2u * (r->avail_idx % QSIZE)), QSIZE);   /* head past the table */
	le_put16(at(r, AVAIL + 2), ++r->avail_idx);
	reg_write(r, 0x050, 0);
	CHECK(reg_read(r, 0x070) & VIRTIO_STATUS_NEEDS_RESET, "a head past the table is accepted");
}

TEST(a_request_without_a_status_byte_is_not_answered)
{
	desc(r, 0, 0x8000, 16, 0, 0);
	CHECK(submit(r, 0) == 0, "a chain with no writable byte got an answer");
	desc(r, 0, 0x8000, 8, F_NEXT, 1);
	desc(r, 1, 0x9000, 1, F_WRITE, 0);
	CHECK(submit(r, 0) == 0, "an 8-byte header got an answer");
}

TEST(features_the_device_did_not_offer_leave_features_ok_clear)
{
	reg_write(r, 0x070, 0);
	CHECK(reg_read(r, 0x070) == 0 && !r->irq_level, "a reset left status %u",
	      reg_read(r, 0x070));
	driver_init(r, 1u << 9 | 1u << 7, 1);                 /* bit 7: not offered */
	CHECK(!(reg_read(r, 0x070) & VIRTIO_STATUS_FEATURES_OK), "an unoffered feature accepted");
	driver_init(r, 1u << 9, 0);                           /* no VERSION_1 */
	CHECK(!(reg_read(r, 0x070) & VIRTIO_STATUS_FEATURES_OK), "a legacy driver accepted");
}

TEST(a_queue_with_a_bad_layout_never_becomes_ready)
{
	static const struct { uint32_t num; uint64_t desc; } bad[] = {
		{ 6, DESC }, { 512, DESC }, { 0, DESC }, { QSIZE, DESC + 8 }, { QSIZE, RAM - 64 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reg_write(r, 0x044, 0);
		reg_write(r, 0x038, bad[i].num);
		reg_write(r, 0x080, (uint32_t)bad[i].desc);
		reg_write(r, 0x044, 1);
		CHECK(reg_read(r, 0x044) == 0, "size %u at %#llx became ready", bad[i].num,
		      (unsigned long long)bad[i].desc);
	}
}

TEST(notifications_before_driver_ok_do_nothing)
{
	reg_write(r, 0x070, 0);
	reg_write(r, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	desc(r, 0, 0x8000, 16, F_NEXT, 1);
	desc(r, 1, 0x9000, 1, F_WRITE, 0);
	CHECK(submit(r, 0) == -1, "a request was served before DRIVER_OK");
}

static void read_only_writes_fail(void)
{
	struct rig rig;
	uint8_t got[1];

	current = "a_read_only_disk_refuses_writes";
	setup(&rig, true);
	CHECK(reg_read(&rig, 0x010) & (1u << 5), "VIRTIO_BLK_F_RO is not offered");
	memset(at(&rig, DATA), 'z', 512);
	CHECK(request(&rig, T_OUT, 0, 512, false) == 1 && status_byte(&rig) == 1,
	      "a write to a read-only disk did not fail");
	image_bytes(&rig, 0, got, 1);
	CHECK(got[0] == 'A', "the read-only image changed");
	CHECK(request(&rig, T_IN, 0, 512, true) == 513, "a read-only disk cannot be read");
	if (current)
		printf("ok - %s\n", current);
	teardown(&rig);
}

/* --- the network device: a socket pair stands in for the TAP ---------- */

enum { TX_DESC = 0x4000, TX_AVAIL = 0x5000, TX_USED = 0x6000, PACKET = 0x20000 };

static void net_setup(struct rig *r)
{
	struct error_report err = { 0 };
	int pair[2];

	memset(r, 0, sizeof(*r));
	if (guest_memory_map(&r->mem, RAM) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		perror("test-virtio: net set-up");
		exit(2);
	}
	r->peer = pair[1];
	if (virtio_net_open_fd(&r->net, pair[0], &err) < 0) {
		fprintf(stderr, "test-virtio: %s\n", err.message);
		exit(2);
	}
	virtio_net_attach(&r->net, &r->mem, irq_line, r);
	r->t = &r->net.transport;
	driver_init(r, 1u << 5, 1);
	reg_write(r, 0x030, 1);                               /* the transmit queue */
	reg_write(r, 0x038, QSIZE);
	reg_write(r, 0x080, TX_DESC);
	reg_write(r, 0x090, TX_AVAIL);
	reg_write(r, 0x0a0, TX_USED);
	reg_write(r, 0x044, 1);
	if (virtio_net_start(&r->net, &err) < 0) {
		fprintf(stderr, "test-virtio: %s\n", err.message);
		exit(2);
	}
}

static void net_teardown(struct rig *r)
{
	virtio_net_close(&r->net);
	close(r->peer);
	guest_memory_unmap(&r->mem);
}

/* Waits (up to 10 s: the receiving thread runs on its own) until the used
 * ring of queue 0 holds n answers; the lock orders our reads after its
 * writes. */
static bool wait_received(struct rig *r, uint16_t n)
{
	for (int ms = 0; ms < 10000; ms++) {
		uint16_t idx;

		pthread_mutex_lock(&r->t->lock);
		idx = le_get16(at(r, USED + 2));
		pthread_mutex_unlock(&r->t->lock);
		if (idx >= n)
			return true;
		poll(NULL, 0, 1);
	}
	return false;
}

/* Posts one receive buffer of len bytes at addr as descriptor i. */
static void post_receive_buffer(struct rig *r, uint16_t i, uint64_t addr, uint32_t len)
{
	pthread_mutex_lock(&r->t->lock);
	desc(r, i, addr, len, 2 /* F_WRITE */, 0);
	le_put16(at(r, AVAIL + 4 + 2u * (r->avail_idx % QSIZE)), i);
	le_put16(at(r, AVAIL + 2), ++r->avail_idx);
	pthread_mutex_unlock(&r->t->lock);
	reg_write(r, 0x050, 0);
}

static void net_identity(struct rig *r)
{
	uint8_t mac[6];

	CHECK(reg_read(r, 0x008) == VIRTIO_ID_NET, "device id %u", reg_read(r, 0x008));
	reg_write(r, 0x014, 0);
	CHECK(reg_read(r, 0x010) & (1u << 5), "VIRTIO_NET_F_MAC is not offered");
	for (int i = 0; i < 6; i++) {
		uint8_t byte;

		virtio_mmio_access(r->t, 0x100 + (uint64_t)i, false, &byte, 1);
		mac[i] = byte;
	}
	CHECK(mac[0] == 0x02 && mac[1] == 0x53, "MAC %02x:%02x...", mac[0], mac[1]);
	reg_write(r, 0x030, 2);
	CHECK(reg_read(r, 0x034) == 0, "a third queue exists");
	reg_write(r, 0x030, 1);
	CHECK(reg_read(r, 0x044) == 1, "the transmit queue is not ready");
	CHECK(reg_read(r, 0x070) & VIRTIO_STATUS_DRIVER_OK, "the driver's set-up failed");
}

static void net_transmits(struct rig *r)
{
	uint8_t got[128];
	ssize_t n;

	memset(at(r, PACKET), 0, VIRTIO_NET_HDR);
	memcpy(at(r, PACKET + VIRTIO_NET_HDR), "hello, ", 7);
	memcpy(at(r, PACKET + 0x100), "world", 5);
	{
		uint8_t *d0 = at(r, TX_DESC), *d1 = at(r, TX_DESC + 16);

		le_put64(d0, PACKET);
		le_put32(d0 + 8, VIRTIO_NET_HDR + 7);
		le_put16(d0 + 12, 1);
		le_put16(d0 + 14, 1);
		le_put64(d1, PACKET + 0x100);
		le_put32(d1 + 8, 5);
	}
	le_put16(at(r, TX_AVAIL + 4), 0);
	le_put16(at(r, TX_AVAIL + 2), 1);
	reg_write(r, 0x050, 1);
	n = recv(r->peer, got, sizeof(got), MSG_DONTWAIT);
	CHECK(n == VIRTIO_NET_HDR + 12, "the peer got %zd bytes, not %d", n, VIRTIO_NET_HDR + 12);
	CHECK(n > 0 && memcmp(got + VIRTIO_NET_HDR, "hello, world", 12) == 0,
	      "the packet arrived as %.12s", got + VIRTIO_NET_HDR);
	CHECK(le_get16(at(r, TX_USED + 2)) == 1 && le_get32(at(r, TX_USED + 8)) == 0,
	      "the transmit chain did not go back with length 0");
	CHECK(r->net.tx_packets == 1, "tx_packets %llu", (unsigned long long)r->net.tx_packets);
}

static void net_receives(struct rig *r)
{
	uint8_t packet[VIRTIO_NET_HDR + 60];

	memset(packet, 0, VIRTIO_NET_HDR);
	memset(packet + VIRTIO_NET_HDR, 'p', 60);
	/* The packet comes before any buffer: it must wait, not be lost. */
	CHECK(send(r->peer, packet, sizeof(packet), 0) == (ssize_t)sizeof(packet), "send");
	poll(NULL, 0, 20);
	CHECK(le_get16(at(r, USED + 2)) == 0, "a packet was received with no buffer posted");
	post_receive_buffer(r, 0, PACKET, 1526);
	CHECK(wait_received(r, 1), "the packet never reached the guest (rx waits %llu)",
	      (unsigned long long)r->net.rx_no_buffer_waits);
	CHECK(le_get32(at(r, USED + 8)) == sizeof(packet), "used length %u, not %zu",
	      le_get32(at(r, USED + 8)), sizeof(packet));
	CHECK(le_get16(at(r, PACKET + 10)) == 1, "num_buffers is %u, not 1",
	      le_get16(at(r, PACKET + 10)));
	CHECK(at(r, PACKET)[VIRTIO_NET_HDR + 59] == 'p', "the payload is not there");
	/* A second packet, with a buffer already waiting. */
	post_receive_buffer(r, 1, PACKET + 0x1000, 1526);
	CHECK(send(r->peer, packet, 20, 0) == 20, "send");
	CHECK(wait_received(r, 2), "the second packet never reached the guest");
	CHECK(r->irq_rises >= 1, "no interrupt for a received packet");
}

static void net_refuses_a_receive_chain_it_cannot_write(struct rig *r)
{
	uint8_t packet[VIRTIO_NET_HDR + 4] = { 0 };

	pthread_mutex_lock(&r->t->lock);
	desc(r, 0, PACKET, 100, 0 /* readable */, 0);
	le_put16(at(r, AVAIL + 4), 0);
	le_put16(at(r, AVAIL + 2), ++r->avail_idx);
	pthread_mutex_unlock(&r->t->lock);
	reg_write(r, 0x050, 0);
	CHECK(send(r->peer, packet, sizeof(packet), 0) == (ssize_t)sizeof(packet), "send");
	CHECK(wait_received(r, 1), "a readable receive chain was never given back");
	CHECK(le_get32(at(r, USED + 8)) == 0, "it came back with length %u",
	      le_get32(at(r, USED + 8)));
	post_receive_buffer(r, 1, PACKET + 0x1000, 1526);
	CHECK(wait_received(r, 2), "the packet was lost after the bad chain");
}

static void net_tap_errors_name_the_fix(void)
{
	struct virtio_net net;
	struct error_report err = { 0 };

	current = "a_missing_tap_is_an_error_naming_the_fix";
	CHECK(virtio_net_open_tap(&net, "svm-no-such-tap", NULL, &err) < 0 &&
	      strstr(err.message, "ip tuntap add svm-no-such-tap mode tap"),
	      "a missing TAP says: %s", err.message);
	err = (struct error_report){ 0 };
	CHECK(virtio_net_open_tap(&net, "a-name-of-16-chars", NULL, &err) < 0 &&
	      strstr(err.message, "not an interface name"), "a long name says: %s", err.message);
	err = (struct error_report){ 0 };
	CHECK(virtio_net_open_tap(&net, "../lo", NULL, &err) < 0, "a path is taken as a name");
	if (current)
		printf("ok - %s\n", current);
}

static void net_tests(void)
{
	static const struct { const char *name; void (*run)(struct rig *); } tests[] = {
		{ "the_net_device_says_its_mac_and_two_queues", net_identity },
		{ "a_packet_sent_by_the_guest_reaches_the_tap_whole", net_transmits },
		{ "a_received_packet_waits_for_a_buffer_and_fills_it", net_receives },
		{ "a_receive_chain_with_no_writable_buffer_goes_back_empty",
		  net_refuses_a_receive_chain_it_cannot_write },
	};

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		struct rig rig;

		net_setup(&rig);
		current = tests[i].name;
		tests[i].run(&rig);
		if (current)
			printf("ok - %s\n", current);
		net_teardown(&rig);
	}
	net_tap_errors_name_the_fix();
}

/* Firecracker's way without KVM: the test signals the queue's eventfd as
 * KVM would on a matching QueueNotify write (KVM_IOEVENTFD), and the
 * waiting thread has the device serve the request; stopping ends the
 * thread and closes the eventfds. */
static bool answered_by_thread(struct rig *r)
{
	bool answered;

	pthread_mutex_lock(&r->t->lock);     /* the thread pushes under it */
	answered = le_get16(at(r, USED + 2)) != r->used_seen;
	pthread_mutex_unlock(&r->t->lock);
	return answered;
}

TEST(an_eventfd_signal_serves_the_queue_and_stop_ends_its_thread)
{
	struct error_report err = { 0 };
	struct virtio_eventfds e;
	uint8_t *h = at(r, 0x8000), expected[512];
	uint64_t one = 1;
	int fd = -1;

	le_put32(h, T_IN);
	le_put32(h + 4, 0);
	le_put64(h + 8, 1);
	desc(r, 0, 0x8000, 16, F_NEXT, 1);
	desc(r, 1, DATA, 512, F_NEXT | F_WRITE, 2);
	desc(r, 2, 0x9000, 1, F_WRITE, 0);
	le_put16(at(r, AVAIL + 4), 0);
	le_put16(at(r, AVAIL + 2), ++r->avail_idx);
	if (virtio_eventfds_init(&e, &err) != 0 ||
	    (fd = virtio_eventfds_add(&e, r->t, 0, &err)) < 0 ||
	    virtio_eventfds_start(&e, &err) != 0) {
		fail("%s", err.message);
		return;
	}
	if (write(fd, &one, sizeof(one)) != sizeof(one))
		fail("cannot signal the eventfd");
	for (int ms = 0; ms < 5000 && !answered_by_thread(r); ms++)
		usleep(1000);
	virtio_eventfds_stop(&e);
	memset(expected, 'B', sizeof(expected));
	CHECK(answered_by_thread(r), "no answer within 5 s of the eventfd's signal");
	CHECK(status_byte(r) == 0 && memcmp(at(r, DATA), expected, 512) == 0,
	      "status %u, or the data is not sector 1", status_byte(r));
	CHECK(r->t->eventfd_notifies == 1 && r->t->notify_exits == 0,
	      "%llu notifications by eventfd, %llu by exit",
	      (unsigned long long)r->t->eventfd_notifies,
	      (unsigned long long)r->t->notify_exits);
	CHECK(r->irq_rises == 1, "the line rose %d times", r->irq_rises);
	CHECK(!e.running && e.count == 0 && e.stop_fd == -1 && fcntl(fd, F_GETFD) < 0,
	      "the thread or its eventfds outlived the stop");
}

int main(void)
{
	static const struct { const char *name; void (*run)(struct rig *); } tests[] = {
#define T(name) { #name, test_##name }
		T(the_registers_identify_a_modern_block_device),
		T(a_read_split_over_two_buffers_returns_the_image),
		T(a_write_whose_header_is_split_reaches_the_image),
		T(flush_and_get_id_answer),
		T(requests_past_the_end_or_not_whole_sectors_fail_with_ioerr),
		T(hostile_chains_are_answered_with_nothing_and_the_queue_goes_on),
		T(a_chain_of_more_than_4_gib_is_refused),
		T(a_broken_ring_stops_the_queue_until_a_reset),
		T(a_request_without_a_status_byte_is_not_answered),
		T(features_the_device_did_not_offer_leave_features_ok_clear),
		T(a_queue_with_a_bad_layout_never_becomes_ready),
		T(notifications_before_driver_ok_do_nothing),
		T(an_eventfd_signal_serves_the_queue_and_stop_ends_its_thread),
#undef T
	};

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		struct rig rig;

		setup(&rig, false);
		current = tests[i].name;
		tests[i].run(&rig);
		if (current)
			printf("ok - %s\n", current);
		teardown(&rig);
	}
	read_only_writes_fail();
	net_tests();
	return failures ? 1 : 0;
}
