/* compile.c - from a Toy syntax tree to stack-machine assembly.
 *
 * The straightforward tree walk: an expression's code leaves its value on
 * the stack, children before parents, so `a + b * 2` becomes
 *
 *     loadl 0 / loadl 1 / push 2 / mul / add
 *
 * A statement's code leaves the stack as it found it.  The output is the
 * assembly text a person would write; the assembler does the encoding.
 *
 * Two patterns get shorter code, because loops are made of them (as javac
 * does for the JVM): a comparison that decides a jump becomes one
 * compare-and-jump, and `x = x + 1` on a local becomes one `incl`.  A while
 * loop tests its condition at the bottom, so a turn ends in one jump.
 * Top-level variables that no function reads or writes are main's locals,
 * not globals, as Lua keeps a main chunk's `local`s in registers: the same
 * values, found through the frame with the local instructions and their
 * `incl` and superinstructions.
 * Last, a peephole fuses the pairs the output runs most into superinstructions
 * (fuse_pairs()): above, `loadl 0 / loadl 1` becomes `loadll 0, 1`.
 */
#include "compile.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "opcodes.h"
#include "program.h"
#include "lang/text.h"
#include "lang/toy_if.h"

/* The front end's limits (toy.h) must fit this machine's (program.h): the
 * machine defines them, and a program the front end accepts must assemble. */
_Static_assert((int)TOY_MAX_FUNCTIONS + 1 <= (int)MAX_FUNCTIONS, "Toy's functions and main");
_Static_assert((int)TOY_MAX_GLOBALS <= (int)MAX_GLOBALS, "Toy's globals");
_Static_assert((int)TOY_MAX_LOCALS <= (int)MAX_LOCALS, "Toy's locals");

struct compiler {
	const struct toy_program *prog;
	struct text out;
	struct error_report *err;
	int labels;                  /* labels made so far: L1, L2, ... */
	int depth;                   /* values on the operand stack at this point */
	struct toy_stack chain;      /* the operators of chains being compiled */
	int *home;                   /* per global: its slot among main's locals, or -1 */
};

/* The instruction of each arithmetic and comparison operator, spelled as
 * the machine's table spells it (mnemonic()). */
static const enum opcode binary_ops[] = {
	[TOY_ADD] = OP_ADD, [TOY_SUB] = OP_SUB, [TOY_MUL] = OP_MUL, [TOY_DIV] = OP_DIV,
	[TOY_MOD] = OP_MOD, [TOY_EQ] = OP_EQ, [TOY_NE] = OP_NE, [TOY_LT] = OP_LT,
	[TOY_LE] = OP_LE, [TOY_GT] = OP_GT, [TOY_GE] = OP_GE,
};

static const char *mnemonic(enum opcode op)
{
	return stack_instruction_info[op].mnemonic;
}

static int new_label(struct compiler *c)
{
	return ++c->labels;
}

/* Each instruction that pushes a value where the stack may be at its
 * deepest calls this.  The verifier refuses a function deeper than
 * MAX_OPERAND_STACK; this back end says so first, at the Toy expression. */
static void pushes(struct compiler *c, const struct toy_expr *e)
{
	if (++c->depth > MAX_OPERAND_STACK)
		report_set(c->err, e->line, e->col, "expression too complex: it needs "
			   "more than the %d values of the machine's operand stack",
			   MAX_OPERAND_STACK);
}

/* The local slot a variable lives in, or -1 for a global.  A global that
 * lives in main is used by no function, so it never meets a function's
 * locals. */
static int local_slot(const struct compiler *c, const struct toy_var *var)
{
	return var->scope == TOY_LOCAL ? var->index : c->home[var->index];
}

static void emit_var(struct compiler *c, const char *op_local, const char *op_global,
		     const struct toy_var *var)
{
	int slot = local_slot(c, var);

	text_printf(&c->out, "\t%s %d\t; %s\n", slot >= 0 ? op_local : op_global,
		    slot >= 0 ? slot : var->index, var->name);
}

static void expression(struct compiler *c, const struct toy_expr *e);

/* Before an instruction that can fault (a division, a memory access, a
 * call): its own position, so that the fault names the expression, not
 * only the statement it is in. */
static void may_fault(struct compiler *c, const struct toy_expr *e)
{
	text_at_source(&c->out, e->line, e->col);
}

/* For each comparison: the instruction that jumps when it holds, and the
 * one that jumps when it fails. */
static const struct { enum opcode holds, fails; } compare_jumps[] = {
	[TOY_EQ] = { OP_JEQ, OP_JNE }, [TOY_NE] = { OP_JNE, OP_JEQ },
	[TOY_LT] = { OP_JLT, OP_JGE }, [TOY_LE] = { OP_JLE, OP_JGT },
	[TOY_GT] = { OP_JGT, OP_JLE }, [TOY_GE] = { OP_JGE, OP_JLT },
};

static bool is_comparison(const struct toy_expr *e)
{
	return e->kind == TOY_EXPR_BINARY && e->as.binary.op >= TOY_EQ &&
	       e->as.binary.op <= TOY_GE;
}

/* ANCHOR: jump-if */
/* Jumps to label when cond is true (when_true) or when it is false.  A
 * statement's condition: the stack is empty before it and after it. */
static void jump_if(struct compiler *c, const struct toy_expr *cond, bool when_true,
		    int label)
{
	c->depth = 0;
	if (is_comparison(cond)) {
		expression(c, cond->as.binary.left);
		expression(c, cond->as.binary.right);
		text_printf(&c->out, "\t%s L%d\n", mnemonic(when_true ?
			    compare_jumps[cond->as.binary.op].holds :
			    compare_jumps[cond->as.binary.op].fails), label);
		return;
	}
	expression(c, cond);
	text_printf(&c->out, "\t%s L%d\n", when_true ? "jnz" : "jz", label);
}
/* ANCHOR_END: jump-if */

/* ANCHOR: short-circuit */
/* a && b and a || b, once a is on the stack: b runs only when a does not
 * decide; the result is 0 or 1, whatever values a and b had.  The labels
 * are decided and decided + 1. */
static void logical(struct compiler *c, const struct toy_expr *e, int decided)
{
	bool is_and = e->as.binary.op == TOY_AND;
	int end = decided + 1;

	text_printf(&c->out, "\t%s L%d\n", is_and ? "jz" : "jnz", decided);
	c->depth--;
	expression(c, e->as.binary.right);
	text_printf(&c->out, "\tnot\n\tnot\n\tjmp L%d\n", end);
	text_printf(&c->out, "L%d:\n\tpush %d\nL%d:\n", decided, is_and ? 0 : 1, end);
}
/* ANCHOR_END: short-circuit */

/* -5 is the literal 5 negated: push -5 rather than push 5, neg. */
static bool fold_negative_literal(struct compiler *c, const struct toy_expr *e)
{
/* BEGIN EXERCISE ex3.1 */
	if (e->as.unary.op != TOY_NEG || e->as.unary.operand->kind != TOY_EXPR_NUMBER)
		return false;
	text_printf(&c->out, "\tpush %" PRId64 "\n",
		    (int64_t)(0 - (uint64_t)e->as.unary.operand->as.number));
	return true;
/* STUB ex3.1
	(void)c;
	(void)e;
	exercise_pending("ex3.1");
	return false;
END STUB */
/* END EXERCISE ex3.1 */
}

static bool is_logical(const struct toy_expr *e)
{
	return e->as.binary.op == TOY_AND || e->as.binary.op == TOY_OR;
}

/* A chain of binary operators (1+1+...+1, a && b && ...) in a loop, not by
 * recursion (see toy_stack in toy.h): the operand at the bottom of the left
 * side, then each operator's right side and instruction, bottom-up.  The
 * labels of && and || are numbered top-down, as a recursive walk would. */
static void chain(struct compiler *c, const struct toy_expr *e)
{
	size_t base = c->chain.count;
	int logicals = 0, first_label;

	for (; e->kind == TOY_EXPR_BINARY; e = e->as.binary.left) {
		if (toy_stack_push(&c->chain, e) != 0) {
			c->out.out_of_memory = true;   /* the output is dropped */
			c->chain.count = base;
			return;
		}
		logicals += is_logical(e);
	}
	first_label = c->labels + 1;
	c->labels += 2 * logicals;
	expression(c, e);
	while (c->chain.count > base) {
		e = toy_stack_pop(&c->chain);
		if (is_logical(e)) {
			logicals--;
			logical(c, e, first_label + 2 * logicals);
		} else {
			expression(c, e->as.binary.right);
			if (toy_op_may_fault(e->as.binary.op))
				may_fault(c, e);
			text_printf(&c->out, "\t%s\n", mnemonic(binary_ops[e->as.binary.op]));
			c->depth--;
		}
	}
}

/* Leaves e's value on the stack: one value more than before. */
static void expression(struct compiler *c, const struct toy_expr *e)
{
	int depth = c->depth;

	switch (e->kind) {
	case TOY_EXPR_NUMBER:
		pushes(c, e);
		text_printf(&c->out, "\tpush %" PRId64 "\n", e->as.number);
		break;
	case TOY_EXPR_VAR:
		pushes(c, e);
		emit_var(c, "loadl", "loadg", &e->as.var);
		break;
	case TOY_EXPR_UNARY:
		if (fold_negative_literal(c, e)) {
			pushes(c, e);
			break;
		}
		expression(c, e->as.unary.operand);
		text_printf(&c->out, "\t%s\n", e->as.unary.op == TOY_NEG ? "neg" : "not");
		break;
	case TOY_EXPR_BINARY:
		chain(c, e);
		break;
	case TOY_EXPR_CALL:
		for (int i = 0; i < e->as.call.nargs; i++)
			expression(c, e->as.call.args[i]);
		if (e->as.call.nargs == 0)
			pushes(c, e);               /* the result */
		may_fault(c, e);
		text_printf(&c->out, "\tcall f_%s\n", e->as.call.name);
		break;
	case TOY_EXPR_MEM:
		expression(c, e->as.mem.index);
		may_fault(c, e);
		text_printf(&c->out, "\tload\n");
		break;
	}
	c->depth = depth + 1;
}

static void block(struct compiler *c, const struct toy_block *b);

/* x = x + k or x = x - k, for a local x and a k that fits in incl's signed
 * byte: one incl.  Anything else is false, for the general path. */
static bool increment(struct compiler *c, const struct toy_stmt *s)
{
	const struct toy_var *x = &s->as.assign.target;
	const struct toy_expr *e = s->as.assign.value, *left, *right;
	int slot = local_slot(c, x);
	int64_t k;

	if (slot < 0 || e->kind != TOY_EXPR_BINARY ||
	    (e->as.binary.op != TOY_ADD && e->as.binary.op != TOY_SUB))
		return false;
	left = e->as.binary.left;
	right = e->as.binary.right;
	if (left->kind != TOY_EXPR_VAR || local_slot(c, &left->as.var) != slot ||
	    right->kind != TOY_EXPR_NUMBER)
		return false;
	k = right->as.number;
	if (e->as.binary.op == TOY_SUB) {
		if (k == INT64_MIN)
			return false;
		k = -k;
	}
	if (k < INT8_MIN || k > INT8_MAX)
		return false;
	text_printf(&c->out, "\tincl %d, %" PRId64 "\t; %s\n", slot, k, x->name);
	return true;
}

/* if ... else if ... else: labels and jumps around this machine's code for
 * the conditions and blocks, written alike for both machines (toy_if.c). */
static void if_statement(struct compiler *c, const struct toy_stmt *s)
{
	static const struct toy_if_backend backend = { jump_if, block };

	toy_if_statement(c, &backend, &c->out, &c->labels, s);
}

static void statement(struct compiler *c, const struct toy_stmt *s)
{
	int first, second;

	text_at_source(&c->out, s->line, s->col);
	c->depth = 0;
	switch (s->kind) {
	case TOY_STMT_ASSIGN:
		if (increment(c, s))
			break;
		expression(c, s->as.assign.value);
		emit_var(c, "storel", "storeg", &s->as.assign.target);
		break;
	case TOY_STMT_STORE:
		expression(c, s->as.store.index);
		expression(c, s->as.store.value);
		text_at_source(&c->out, s->line, s->col);
		text_printf(&c->out, "\tstore\n");
		break;
	case TOY_STMT_IF:
		if_statement(c, s);
		break;
	case TOY_STMT_WHILE:
		first = new_label(c);     /* the body */
		second = new_label(c);    /* the test */
		text_printf(&c->out, "\tjmp L%d\nL%d:\n", second, first);
		block(c, &s->as.while_.body);
		text_at_source(&c->out, s->line, s->col);
		text_printf(&c->out, "L%d:\n", second);
		jump_if(c, s->as.while_.cond, true, first);
		break;
	case TOY_STMT_RETURN:
		if (s->as.value)
			expression(c, s->as.value);
		else
			text_printf(&c->out, "\tpush 0\n");
		text_printf(&c->out, "\tret\n");
		break;
	case TOY_STMT_PRINT:
	case TOY_STMT_PUTC:
	case TOY_STMT_EXPR:
		expression(c, s->as.value);
		text_printf(&c->out, "\t%s\n", s->kind == TOY_STMT_PRINT ? "print" :
			    s->kind == TOY_STMT_PUTC ? "putc" : "drop");
		break;
	}
}

static void block(struct compiler *c, const struct toy_block *b)
{
	for (int i = 0; i < b->count; i++)
		statement(c, b->stmts[i]);
}

/* Does the body's last statement return?  Then nothing falls off its end. */
static bool ends_in_return(const struct toy_block *body)
{
/* BEGIN EXERCISE ex3.3 */
	return body->count > 0 && body->stmts[body->count - 1]->kind == TOY_STMT_RETURN;
/* STUB ex3.3
	(void)body;
	exercise_pending("ex3.3");
	return false;
END STUB */
/* END EXERCISE ex3.3 */
}

/* ANCHOR: peephole */
/* The length of the line that starts at p, with its newline. */
static int line_length(const char *p)
{
	size_t n = strcspn(p, "\n");

	return (int)(n + (p[n] == '\n'));
}

/* Is line `OP INDEX ; NAME` (op "\tloadl " or "\tloadg "), as emit_var()
 * writes it?  Then its index and name. */
static bool is_load(const char *line, const char *op, long *slot, const char **name,
		    int *name_length)
{
	char *end;

	if (strncmp(line, op, strlen(op)) != 0)
		return false;
	*slot = strtol(line + strlen(op), &end, 10);
	*name = end + strspn(end, "\t; ");
	*name_length = (int)strcspn(*name, "\n");
	return true;
}

/* Is line a compare-and-jump, `\tjlt L5`?  Then its opcode, and where its
 * label starts; else -1. */
static int compare_jump_at(const char *line, const char **label)
{
	for (int op = OP_JEQ; op <= OP_JGE; op++) {
		size_t length = strlen(mnemonic(op));

		if (line[0] == '\t' && strncmp(line + 1, mnemonic(op), length) == 0 &&
		    line[1 + length] == ' ') {
			*label = line + 2 + length;
			return op;
		}
	}
	return -1;
}

/* Each compare-and-jump family lists its six in the order jeq ... jge. */
_Static_assert(OP_JGE - OP_JEQ == 5 && OP_JGELL - OP_JEQLL == 5 && OP_JGELK - OP_JEQLK == 5,
	       "the compare-and-jump families");

/* The static superinstructions (chapter 1): `loadl a` followed at once by
 * `loadl b` becomes `loadll a, b`, and followed by `push k` becomes
 * `loadlk a, k`; `loadg g` followed by `push k` becomes `loadgk g, k`.
 * When a compare-and-jump follows either local pair, the three become one:
 * `loadl a; loadl b; jlt L` is `jltll a, b, L`, `loadl a; push k; jlt L`
 * is `jltlk a, k, L`.  A peephole over the finished text rather than a
 * case of the tree walk, because those pairs come from everywhere in it (a
 * binary operator's two sides, a call's arguments, a store's index and
 * value).  A label or a .line between them keeps them apart, so no jump
 * and no source position lands inside a fused instruction. */
static void fuse_pairs(const char *in, struct text *out)
{
	while (*in) {
		const char *second = in + line_length(in), *name, *other_name, *label;
		const char *third = second + line_length(second);
		long slot, other;
		int name_length, other_length;
		bool local = is_load(in, "\tloadl ", &slot, &name, &name_length);
		bool global = !local && is_load(in, "\tloadg ", &slot, &name, &name_length);
		bool then_push = strncmp(second, "\tpush ", 6) == 0;
		int jump = local ? compare_jump_at(third, &label) : -1;

		if (jump >= 0 && is_load(second, "\tloadl ", &other, &other_name, &other_length)) {
			text_printf(out, "\t%s %ld, %ld, %.*s\t; %.*s %.*s\n",
				    mnemonic(OP_JEQLL + (jump - OP_JEQ)), slot, other,
				    (int)strcspn(label, "\n"), label, name_length, name,
				    other_length, other_name);
			in = third + line_length(third);
		} else if (jump >= 0 && then_push) {
			text_printf(out, "\t%s %ld, %.*s, %.*s\t; %.*s\n",
				    mnemonic(OP_JEQLK + (jump - OP_JEQ)), slot,
				    (int)strcspn(second + 6, "\n"), second + 6,
				    (int)strcspn(label, "\n"), label, name_length, name);
			in = third + line_length(third);
		} else if (local && is_load(second, "\tloadl ", &other, &other_name, &other_length)) {
			text_printf(out, "\tloadll %ld, %ld\t; %.*s %.*s\n", slot, other,
				    name_length, name, other_length, other_name);
			in = second + line_length(second);
		} else if ((local || global) && then_push) {
			text_printf(out, "\t%s %ld, %.*s\t; %.*s\n", local ? "loadlk" : "loadgk",
				    slot, (int)strcspn(second + 6, "\n"), second + 6,
				    name_length, name);
			in = second + line_length(second);
		} else {
			text_printf(out, "%.*s", line_length(in), in);
			in = second;
		}
	}
}
/* ANCHOR_END: peephole */

char *stack_compile_toy(const struct toy_program *prog,
			const struct toy_compile_options *opts, struct error_report *err)
{
	struct compiler c = { .prog = prog, .err = err };
	int main_locals = 0;

	(void)opts;                  /* no incjlt to fuse a loop into: see toy.h */
	c.home = malloc(((size_t)prog->nglobals + 1) * sizeof(*c.home));
	if (!c.home) {
		report_set(err, 0, 0, "out of memory");
		return NULL;
	}
	for (int g = 0; g < prog->nglobals; g++)
		c.home[g] = !prog->global_in_functions[g] && main_locals < TOY_MAX_LOCALS ?
			    main_locals++ : -1;
	text_printf(&c.out, "; compiled from Toy by stackvm\n.globals %d\n", prog->nglobals);
	text_printf(&c.out, ".func main 0 %d\n", main_locals);
	block(&c, &prog->main);
	text_printf(&c.out, "\thalt\n");
	for (int i = 0; i < prog->nfunctions; i++) {
		const struct toy_function *fn = &prog->functions[i];

		text_printf(&c.out, "\n");
		text_at_source(&c.out, fn->line, fn->col);
		text_printf(&c.out, ".func f_%s %d %d\n", fn->name, fn->nparams, fn->nlocals);
		block(&c, &fn->body);
		if (!ends_in_return(&fn->body))
			text_printf(&c.out, "\tpush 0\n\tret\n");   /* falling off the end */
	}
	toy_stack_free(&c.chain);
	free(c.home);
	if (!c.out.out_of_memory && !err->failed) {
		struct text fused = { 0 };

		fuse_pairs(c.out.chars, &fused);
		text_free(&c.out);
		c.out = fused;
	}
	if (c.out.out_of_memory)
		report_set(err, 0, 0, "out of memory");
	if (err->failed) {
		text_free(&c.out);
		return NULL;
	}
	return c.out.chars;
}
