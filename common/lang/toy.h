/* toy.h - the Toy language front end shared by both interpreters.
 *
 * toy_parse() turns source text into a resolved syntax tree: every variable
 * use already knows whether it is a local (and its slot) or a global (and its
 * index), every call is checked against the function it names (that it
 * exists and takes that many arguments).  Each back end (the stack
 * machine's and the register machine's compile.c) walks this tree and writes
 * assembly text for its machine's assembler, with `.line` directives that
 * carry the tree's positions into the program's line table
 * (lang/line_table.h).  Every node has the line and column it starts at.
 *
 * The language, in one breath: 64-bit wrap-around integers; top-level
 * statements form the main program; `var` at top level declares a global;
 * `fn name(a, b) { ... }` declares a function callable from anywhere;
 * statements `var x = e;` `x = e;` `mem[e] = e;` `if (e) {} else {}`
 * `while (e) {}` `return e;` `return;` `print(e);` `putc(e);` `e;`.
 */
#ifndef COMMON_TOY_H
#define COMMON_TOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

/* Limits the front end enforces, so back ends can rely on them.  The
 * machines define theirs (each program.h); each back end checks at build
 * time that these fit in them. */
enum {
	TOY_MAX_PARAMS = 32,     /* parameters of one function */
	TOY_MAX_LOCALS = 200,    /* parameters + vars of one function */
	TOY_MAX_GLOBALS = 65536,
	TOY_MAX_FUNCTIONS = 65535, /* the back ends add main: 65,536 on the machines */
	TOY_MAX_NESTING = 200,   /* depth of nested expressions and blocks */
	TOY_MAX_SOURCE = 16 << 20, /* bytes of source text */
	TOY_MAX_NAME = 60,       /* characters in a name (the back ends add a prefix) */
};

enum toy_op {
	TOY_ADD, TOY_SUB, TOY_MUL, TOY_DIV, TOY_MOD,
	TOY_EQ, TOY_NE, TOY_LT, TOY_LE, TOY_GT, TOY_GE,
	TOY_AND, TOY_OR,         /* short-circuit; result 0 or 1 */
	TOY_NEG, TOY_NOT,        /* unary */
};

enum toy_scope { TOY_LOCAL, TOY_GLOBAL };

/* A resolved variable: locals are numbered from 0 in each function,
 * parameters first (in order), then each `var` in order of appearance. */
struct toy_var {
	enum toy_scope scope;
	int index;
	const char *name;        /* for messages and --emit-asm comments */
};

enum toy_expr_kind {
	TOY_EXPR_NUMBER,         /* as.number */
	TOY_EXPR_VAR,            /* as.var */
	TOY_EXPR_UNARY,          /* as.unary: TOY_NEG or TOY_NOT */
	TOY_EXPR_BINARY,         /* as.binary: every other toy_op */
	TOY_EXPR_CALL,           /* as.call */
	TOY_EXPR_MEM,            /* as.mem: mem[index] */
};

struct toy_expr {
	enum toy_expr_kind kind;
	int line, col;
	union {
		int64_t number;
		struct toy_var var;
		struct { enum toy_op op; struct toy_expr *operand; } unary;
		struct {
			enum toy_op op;
			struct toy_expr *left, *right;
		} binary;
		struct {
			const char *name; /* a defined function's, the resolver checked */
			int nargs;
			struct toy_expr **args;
		} call;
		struct { struct toy_expr *index; } mem;
	} as;
};

struct toy_stmt;

struct toy_block {
	int count;
	struct toy_stmt **stmts;
};

enum toy_stmt_kind {
	TOY_STMT_ASSIGN,         /* `var x = e;` and `x = e;`: as.assign */
	TOY_STMT_STORE,          /* `mem[i] = e;`: as.store */
	TOY_STMT_IF,             /* as.if_; `else if` is an else block
	                            holding one TOY_STMT_IF */
	TOY_STMT_WHILE,          /* as.while_ */
	TOY_STMT_RETURN,         /* as.value, NULL for a bare `return;` */
	TOY_STMT_PRINT,          /* as.value: decimal and a newline */
	TOY_STMT_PUTC,           /* as.value: one byte */
	TOY_STMT_EXPR,           /* as.value, result discarded */
};

struct toy_stmt {
	enum toy_stmt_kind kind;
	int line, col;
	union {
		struct {
			struct toy_var target;
			struct toy_expr *value;
			bool declares;    /* `var x = e;` rather than `x = e;` */
		} assign;
		struct { struct toy_expr *index, *value; } store;
		struct {
			struct toy_expr *cond;
			struct toy_block then_block, else_block; /* else may be empty */
		} if_;
		struct { struct toy_expr *cond; struct toy_block body; } while_;
		struct toy_expr *value;
	} as;
};

struct toy_function {
	const char *name;
	int line, col;
	int nparams;
	int nlocals;             /* parameters included */
	struct toy_block body;   /* falling off the end returns 0 */
	struct toy_expr **param_list; /* the parameters, as parsed */
};

struct toy_program {
	int nfunctions;
	struct toy_function *functions; /* in order of definition */
	int nglobals;            /* every global starts at 0 */
	const char **global_names;
	bool *global_in_functions; /* per global: does a function read or write
	                            it?  (One that none does may live in a
	                            register of the main program.) */
	struct toy_block main;   /* the top-level statements, in order */
	int nnumbers;            /* number literals in the source: at most as
	                            many constants as a back end may pool */
	struct toy_arena *arena; /* owns every node and string above */
};

/* Parses and resolves src (len bytes; src[len] need not be NUL).
 * Returns NULL with err set (with a position) on the first error. */
struct toy_program *toy_parse(const char *src, size_t len,
			      struct error_report *err);

void toy_free(struct toy_program *program);

/* Is s an `if` whose else block is one `if`, as `else if` parses?  Such
 * chains are walked in a loop, so any number of `else if`s is fine. */
static inline bool toy_is_else_if(const struct toy_stmt *s)
{
	return s->kind == TOY_STMT_IF && s->as.if_.else_block.count == 1 &&
	       s->as.if_.else_block.stmts[0]->kind == TOY_STMT_IF;
}

/* A stack of nodes, for walking a chain such as 1+1+...+1 without one C
 * stack frame per operand: the parser builds it in a loop, as a left-leaning
 * tree as deep as the chain is long, and recursing down its left side would
 * exhaust the C stack long before the source reaches TOY_MAX_SOURCE.  A walk
 * pushes each operator going down the left side, handles the operand at the
 * bottom, then pops the operators, each once its left operand is done.  Every
 * other path through the tree is as deep as the parser's nesting limit allows.
 * The walker marks where its chain starts (count) since walks nest: a right
 * operand may hold a chain of its own. */
struct toy_stack {
	const struct toy_expr **items;
	size_t count, capacity;
};

int toy_stack_push(struct toy_stack *s, const struct toy_expr *e); /* -1: no memory */
const struct toy_expr *toy_stack_pop(struct toy_stack *s);
void toy_stack_free(struct toy_stack *s);

/* What a back end may be asked for beyond the plain translation: both take
 * the same options, and a machine without the instruction an option needs
 * ignores it (the stack machine has no incjlt to fuse a loop into). */
struct toy_compile_options {
	bool fuse;               /* counting loops end in one incjlt (chapter 6) */
};

/* Can op fault at run time (a zero divisor)?  The back ends put the
 * position of such an operator in front of its instruction. */
static inline bool toy_op_may_fault(enum toy_op op)
{
	return op == TOY_DIV || op == TOY_MOD;
}

#endif
