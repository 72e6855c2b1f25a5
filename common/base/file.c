/* file.c - reading or mapping a whole input file, with a size limit. */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* Opens path for reading and checks that it is a regular file of at most
 * limit bytes.  O_NONBLOCK: opening a FIFO would otherwise wait for a
 * writer, forever; on a regular file it changes nothing.  Returns the
 * descriptor, or -1 with err. */
static int open_input(const char *path, size_t limit, size_t *size,
		      struct error_report *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		report_set(err, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		report_set(err, 0, 0, "cannot stat: %s", strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		report_set(err, 0, 0, "%s, not a regular file", file_kind(st.st_mode));
	} else if ((unsigned long long)st.st_size > limit) {
		report_set(err, 0, 0, "file is %lld bytes, more than the %zu allowed",
			   (long long)st.st_size, limit);
	} else {
		*size = (size_t)st.st_size;
		return fd;
	}
	close(fd);
	return -1;
}

unsigned char *read_file(const char *path, size_t limit, size_t *size,
			 struct error_report *err)
{
	int fd = open_input(path, limit, size, err);
	unsigned char *buf;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	buf = malloc(*size + 1);
	if (!buf) {
		report_set(err, 0, 0, "out of memory");
		close(fd);
		return NULL;
	}
	/* Up to the size fstat gave: a file that grows meanwhile is cut
	 * there, one that shrinks ends early. */
	while (got < *size) {
		ssize_t n = read(fd, buf + got, *size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			report_set(err, 0, 0, "read error: %s", strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*size = got;
	buf[got] = '\0';
	return buf;
}

const unsigned char *map_file(const char *path, size_t limit, size_t *size,
			      struct error_report *err)
{
	static const unsigned char empty[1];
	int fd = open_input(path, limit, size, err);
	void *map;

	if (fd < 0)
		return NULL;
	if (*size == 0) {                  /* mmap() refuses a length of 0 */
		close(fd);
		return empty;
	}
	map = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		report_set(err, 0, 0, "cannot map: %s", strerror(errno));
		return NULL;
	}
	return map;
}

void unmap_file(const unsigned char *data, size_t size)
{
	if (size)
		munmap((void *)data, size);
}

unsigned char *read_file_or_die(const char *path, size_t limit, size_t *size)
{
	struct error_report err = { 0 };
	unsigned char *buf = read_file(path, limit, size, &err);

	if (!buf)
		die_report(EXIT_BAD_INPUT, path, &err);
	return buf;
}

void write_file_or_die(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	bool written = f && fwrite(data, 1, size, f) == size;

	if (f && fclose(f) != 0)
		written = false;
	if (!written)
		die(EXIT_BAD_INPUT, "%s: cannot write: %s", path, strerror(errno));
}
