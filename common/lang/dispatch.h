/* dispatch.h - what both interpreters ask of the C compiler for their
 * threaded dispatch loops (chapter 1, "Two dispatch loops").
 *
 * THREADED_LOOP marks a function that dispatches by computed goto.  GCC's
 * cross-jumping merges identical code at the ends of blocks; in such a loop
 * that is the dispatch every handler ends with, and merging it leaves a few
 * shared indirect jumps instead of one per handler (objdump -d counts them).
 * The switch loops keep it: their one shared jump is the design.  The kit's
 * compiler is GCC; clang, which builds the fuzzers, has no such attribute.
 */
#ifndef COMMON_DISPATCH_H
#define COMMON_DISPATCH_H

#if defined(__GNUC__) && !defined(__clang__)
#define THREADED_LOOP __attribute__((optimize("no-crossjumping")))
#else
#define THREADED_LOOP
#endif

#endif
