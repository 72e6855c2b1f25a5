/* file.c - reading a whole input file, with a size limit. */
#include "file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

unsigned char *read_file(const char *path, size_t limit, size_t *size,
			 struct error_report *err)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	unsigned char *buf;

	if (!f) {
		report_set(err, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		report_set(err, 0, 0, "not a regular file");
		fclose(f);
		return NULL;
	}
	if ((unsigned long long)st.st_size > limit) {
		report_set(err, 0, 0, "file is %lld bytes, more than the %zu allowed",
			   (long long)st.st_size, limit);
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		report_set(err, 0, 0, "out of memory");
		fclose(f);
		return NULL;
	}
	*size = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		report_set(err, 0, 0, "read error: %s", strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[*size] = '\0';
	fclose(f);
	return buf;
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
