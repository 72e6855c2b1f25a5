/* mkcpio.c - writes a cpio archive in the "newc" format the kernel unpacks
 * into its first root file system, from a list of what goes in it.
 *
 * Usage: mkcpio LIST > archive.cpio, where each line of LIST is one of
 *
 *   dir   NAME MODE                  a directory
 *   file  NAME SOURCE MODE           a copy of the host file SOURCE
 *   slink NAME TARGET MODE           a symbolic link
 *   nod   NAME MODE c|b MAJOR MINOR  a device node
 *
 * (the shape of the kernel's own usr/gen_init_cpio lists).  Writing device
 * nodes into an archive needs no privilege: an entry is just a header.
 *
 * Each entry: a 110-byte ASCII header ("070701" then 13 eight-digit hex
 * fields), the name with its NUL, padding to 4 bytes, the data, padding to
 * 4 bytes.  The archive ends with an entry named TRAILER!!!.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/diag.h"
#include "base/file.h"

enum { MAX_FILE = 64 << 20 };

static unsigned long next_inode = 1;

static void pad(size_t written)
{
	while (written++ % 4)
		putchar(0);
}

static void entry(const char *name, unsigned long mode, const void *data, size_t size,
		  unsigned long rdev_major, unsigned long rdev_minor)
{
	size_t namesize;

	while (name[0] == '/')          /* names are relative to the new root */
		name++;
	namesize = strlen(name) + 1;

	printf("070701%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX",
	       next_inode++, mode, 0ul, 0ul, 1ul, 0ul, (unsigned long)size, 0ul, 0ul,
	       rdev_major, rdev_minor, (unsigned long)namesize, 0ul);
	fwrite(name, 1, namesize, stdout);
	pad(110 + namesize);
	if (size)
		fwrite(data, 1, size, stdout);
	pad(size);
}

static unsigned long octal(const char *text, const char *list, int line)
{
	char *end;
	unsigned long value = strtoul(text, &end, 8);

	if (*text == '\0' || *end != '\0' || value > 07777)
		die(EXIT_BAD_INPUT, "%s:%d: bad mode '%s'", list, line, text);
	return value;
}

/* One line of the list: its words are in w[0..n). */
static void add(char **w, int n, const char *list, int line)
{
	if (n == 3 && strcmp(w[0], "dir") == 0) {
		entry(w[1], S_IFDIR | octal(w[2], list, line), NULL, 0, 0, 0);
	} else if (n == 4 && strcmp(w[0], "file") == 0) {
		size_t size;
		unsigned char *data = read_file_or_die(w[2], MAX_FILE, &size);

		entry(w[1], S_IFREG | octal(w[3], list, line), data, size, 0, 0);
		free(data);
	} else if (n == 4 && strcmp(w[0], "slink") == 0) {
		entry(w[1], S_IFLNK | octal(w[3], list, line), w[2], strlen(w[2]), 0, 0);
	} else if (n == 6 && strcmp(w[0], "nod") == 0 &&
		   (strcmp(w[3], "c") == 0 || strcmp(w[3], "b") == 0)) {
		entry(w[1], (w[3][0] == 'c' ? S_IFCHR : S_IFBLK) | octal(w[2], list, line),
		      NULL, 0, strtoul(w[4], NULL, 10), strtoul(w[5], NULL, 10));
	} else {
		die(EXIT_BAD_INPUT, "%s:%d: expected dir, file, slink or nod with its "
		    "fields", list, line);
	}
}

int main(int argc, char **argv)
{
	char text[4096];
	FILE *f;
	int line = 0;

	diag_init(argv[0]);
	check_stdout_at_exit();
	if (argc != 2)
		die(EXIT_BAD_INPUT, "usage: mkcpio LIST > archive.cpio");
	f = fopen(argv[1], "r");
	if (!f)
		die(EXIT_BAD_INPUT, "%s: %s", argv[1], strerror(errno));
	while (fgets(text, sizeof(text), f)) {
		char *w[6];
		int n = 0;

		line++;
		for (char *word = strtok(text, " \t\n"); word && n < 6; word = strtok(NULL, " \t\n"))
			w[n++] = word;
		if (n > 0 && w[0][0] != '#')
			add(w, n, argv[1], line);
	}
	fclose(f);
	entry("TRAILER!!!", 0, NULL, 0, 0, 0);
	return EXIT_OK;
}
