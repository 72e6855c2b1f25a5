/* file.h - reading a whole input file, with a size limit. */
#ifndef COMMON_FILE_H
#define COMMON_FILE_H

#include <stddef.h>

#include "diag.h"

/* Reads all of path into a fresh buffer with a NUL byte after the last one
 * (so text parsers may stop at it), and stores its length in *size.
 * A file larger than limit bytes is refused rather than read, so that a
 * mistaken argument cannot make a tool swallow all of memory.
 * Returns NULL with err filled in when the file cannot be read. */
unsigned char *read_file(const char *path, size_t limit, size_t *size,
			 struct error_report *err);

/* read_file(), or print the reason and exit with EXIT_BAD_INPUT. */
unsigned char *read_file_or_die(const char *path, size_t limit, size_t *size);

/* Writes size bytes to path, or prints the reason and exits with
 * EXIT_BAD_INPUT. */
void write_file_or_die(const char *path, const void *data, size_t size);

#endif
