/* file.h - reading a whole input file, with a size limit. */
#ifndef COMMON_FILE_H
#define COMMON_FILE_H

#include <stddef.h>

#include "base/diag.h"

/* Reads all of path into a fresh buffer with a NUL byte after the last one
 * (so text parsers may stop at it), and stores its length in *size.
 * A file larger than limit bytes is refused rather than read, so that a
 * mistaken argument cannot make a tool swallow all of memory; so is
 * anything but a regular file (a directory, a FIFO, a device), without
 * waiting for a FIFO's writer.
 * Returns NULL with err filled in when the file cannot be read. */
unsigned char *read_file(const char *path, size_t limit, size_t *size,
			 struct error_report *err);

/* Maps path read-only instead of reading it, after the same checks as
 * read_file(): a page costs memory only when something looks at it, so an
 * input refused after a glance at its headers is never read whole.  (A
 * file truncated while mapped makes later reads of its lost end fault:
 * map only inputs the tool checks and copies at once.)  An empty file
 * gives a valid pointer and *size 0.  Returns NULL with err on failure. */
const unsigned char *map_file(const char *path, size_t limit, size_t *size,
			      struct error_report *err);
void unmap_file(const unsigned char *data, size_t size);

/* read_file(), or print the reason and exit with EXIT_BAD_INPUT. */
unsigned char *read_file_or_die(const char *path, size_t limit, size_t *size);

/* Writes size bytes to path, or prints the reason and exits with
 * EXIT_BAD_INPUT. */
void write_file_or_die(const char *path, const void *data, size_t size);

#endif
