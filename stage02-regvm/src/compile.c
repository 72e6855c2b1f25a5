/* compile.c - from a Toy syntax tree to register-machine assembly, in one
 * pass, the way Lua's compiler works.
 *
 * A function's frame holds its parameters and locals in fixed registers
 * (local i lives in r<i>, as the resolver numbered them), and above them
 * temporaries, taken and given back like a stack.  Every expression is
 * compiled *into* a register its caller chooses, so `x = y + 1` is one
 * `addi` straight into x's register, and a local used as an operand is
 * read where it lives, with no copy.  Conditions compile to compare-and-jump
 * instructions, with a constant operand when it fits.
 *
 * A top-level variable that no function reads or writes lives in a register
 * of the main program, as Lua keeps a chunk's top-level locals: only the
 * main program can see it, so it need not be a global.
 */
#include "compile.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lang/text.h"
#include "lang/toy_if.h"
#include "program.h"
#include "opcodes.h"

/* An instruction's spelling, as the machine's table (opcodes.h) has it. */
static const char *mnemonic(enum opcode op)
{
	return reg_instruction_info[op].mnemonic;
}

/* take()'s answer when every register of the frame is in use: the error is
 * reported, and what is written after it is dropped with the output. */
enum { NO_REGISTER = -1 };

/* The front end's limits (toy.h) must fit this machine's (program.h): the
 * machine defines them, and a program the front end accepts must assemble
 * (its locals leave registers for temporaries). */
_Static_assert((int)TOY_MAX_FUNCTIONS + 1 <= (int)MAX_FUNCTIONS, "Toy's functions and main");
_Static_assert((int)TOY_MAX_GLOBALS <= (int)MAX_GLOBALS, "Toy's globals");
_Static_assert((int)TOY_MAX_LOCALS < (int)MAX_REGISTERS, "Toy's locals");
/* A pooled literal is wider than 16 bits, so at least 5 digits and an
 * operator or separator: a source at Toy's limit cannot fill the pool. */
_Static_assert(TOY_MAX_SOURCE / 6 < MAX_CONSTANTS, "Toy's wide literals");

struct compiler {
	const struct toy_program *prog;
	struct text out;
	struct error_report *err;
	int labels;
	int locals;                  /* r0 .. r(locals - 1) hold variables */
	int top;                     /* the first free register */
	int frame;                   /* registers the function needs so far */
	struct toy_stack chain;      /* the operators of chains being compiled */
	bool fuse;                   /* end counting loops in incjlt */
	int *home;                   /* per global: its register in main, or -1 */
	int main_variables;          /* how many globals have one */
	/* The last setg: where the text ended after it, its register and its
	 * global, so that a getg of that global into that register straight
	 * after it is left out (`g = g + 1` then `while (g < n)`). */
	struct { size_t end; int reg, global; } stored;
	/* Constants the loops being compiled loaded before their first turn,
	 * and the registers that hold them to the loop's end. */
	struct { int64_t value; int reg; } hoisted[8];
	int nhoisted;
	/* Can a compare-and-jump name its constant in the pool?  Its Bx
	 * reaches the first 65,536 constants; a program with more literals
	 * than that could pool more (each literal pools at most one), and
	 * then loads the constant with loadk, which reaches them all. */
	bool short_pool;
};

/* The main program keeps at most as many variables in registers as a
 * function may have locals, and so as many registers for temporaries. */
enum { MAIN_REGISTER_VARIABLES = TOY_MAX_LOCALS };

/* The register v lives in: a local's own, or main's register for a global
 * that no function uses (home); -1 for a global kept in the globals. */
static int home_of(const struct compiler *c, const struct toy_var *v)
{
	return v->scope == TOY_LOCAL ? v->index : c->home[v->index];
}

static int new_label(struct compiler *c)
{
	return ++c->labels;
}

/* Pushes e and the operators below it on the left while in_chain holds;
 * returns the operand at the bottom (see toy_stack in toy.h), or NULL with
 * nothing pushed if memory ran out (the output is then dropped). */
static const struct toy_expr *push_chain(struct compiler *c, const struct toy_expr *e,
					 bool (*in_chain)(const struct toy_expr *top,
							  const struct toy_expr *e))
{
	const struct toy_expr *top = e;
	size_t base = c->chain.count;

	for (; in_chain(top, e); e = e->as.binary.left) {
		if (toy_stack_push(&c->chain, e) != 0) {
			c->out.out_of_memory = true;
			c->chain.count = base;
			return NULL;
		}
	}
	return e;
}

static bool is_logical(const struct toy_expr *e)
{
	return e->kind == TOY_EXPR_BINARY &&
	       (e->as.binary.op == TOY_AND || e->as.binary.op == TOY_OR);
}

/* a && b && ...: the same logical operator all the way down. */
static bool same_logical(const struct toy_expr *top, const struct toy_expr *e)
{
	return is_logical(e) && e->as.binary.op == top->as.binary.op;
}

/* 1 + 2 - 3 < 4 ...: operators that compute a value. */
static bool arithmetic(const struct toy_expr *top, const struct toy_expr *e)
{
	(void)top;
	return e->kind == TOY_EXPR_BINARY && !is_logical(e);
}

/* Takes the next free register, or reports that there is none. */
static int take(struct compiler *c, const struct toy_expr *e)
{
	if (c->top == MAX_REGISTERS) {
		report_set(c->err, e ? e->line : 0, e ? e->col : 0, "expression too "
			   "complex: it needs more than %d registers", MAX_REGISTERS);
		return NO_REGISTER;
	}
	if (c->top + 1 > c->frame)
		c->frame = c->top + 1;
	return c->top++;
}

/* e's value, if e is a literal or the minus of one (-5 parses as the minus
 * of 5): the constant operand forms take either. */
static bool literal(const struct toy_expr *e, int64_t *value)
{
	bool negated = e->kind == TOY_EXPR_UNARY && e->as.unary.op == TOY_NEG;
	const struct toy_expr *number = negated ? e->as.unary.operand : e;

	if (number->kind != TOY_EXPR_NUMBER)
		return false;
	*value = negated ? (int64_t)(0 - (uint64_t)number->as.number) : number->as.number;
	return true;
}

static bool fits(const struct toy_expr *e, int64_t min, int64_t max)
{
	int64_t value;

	return literal(e, &value) && value >= min && value <= max;
}

static void into(struct compiler *c, const struct toy_expr *e, int target);

/* Does reg still hold global, stored by the last setg with nothing but
 * .line directives after it?  (A label would let another path in.) */
static bool just_stored(const struct compiler *c, int reg, int global)
{
	const char *p;

	if (c->stored.reg != reg || c->stored.global != global || c->out.out_of_memory)
		return false;
	for (p = c->out.chars + c->stored.end; *p; p = strchr(p, '\n') + 1)
		if (strncmp(p, ".line ", 6) != 0)
			return false;
	return true;
}

/* The register a loop keeps value in, or NO_REGISTER. */
static int hoisted_register(const struct compiler *c, int64_t value)
{
	for (int i = 0; i < c->nhoisted; i++)
		if (c->hoisted[i].value == value)
			return c->hoisted[i].reg;
	return NO_REGISTER;
}

/* A register holding e's value: a variable's own register, a loop's
 * constant, or a temporary. */
static int any(struct compiler *c, const struct toy_expr *e)
{
	int r;

	if (e->kind == TOY_EXPR_VAR && home_of(c, &e->as.var) >= 0)
		return home_of(c, &e->as.var);
	if (e->kind == TOY_EXPR_NUMBER && hoisted_register(c, e->as.number) >= 0)
		return hoisted_register(c, e->as.number);
	r = take(c, e);
	into(c, e, r);
	return r;
}

/* ANCHOR: compare-jump */
/* Jumps to label when the comparison e is true (when_true) or false. */
static void compare_jump(struct compiler *c, const struct toy_expr *e, bool when_true,
			 int label)
{
	/* For each comparison: the instruction that jumps when it holds, and
	 * the one that jumps when it fails, against a register, a 16-bit
	 * constant (_i) or one from the pool (_k); "swap" means with a and b
	 * swapped. */
	static const struct { enum opcode holds, fails, holds_i, fails_i, holds_k, fails_k;
			      bool swap_holds, swap_fails; } forms[] = {
		[TOY_EQ] = { OP_JEQ, OP_JNE, OP_JEQI, OP_JNEI, OP_JEQK, OP_JNEK, false, false },
		[TOY_NE] = { OP_JNE, OP_JEQ, OP_JNEI, OP_JEQI, OP_JNEK, OP_JEQK, false, false },
		[TOY_LT] = { OP_JLT, OP_JLE, OP_JLTI, OP_JGEI, OP_JLTK, OP_JGEK, false, true },
		[TOY_LE] = { OP_JLE, OP_JLT, OP_JLEI, OP_JGTI, OP_JLEK, OP_JGTK, false, true },
		[TOY_GT] = { OP_JLT, OP_JLE, OP_JGTI, OP_JLEI, OP_JGTK, OP_JLEK, true, false },
		[TOY_GE] = { OP_JLE, OP_JLT, OP_JGEI, OP_JLTI, OP_JGEK, OP_JLTK, true, false },
	};
	enum toy_op op = e->as.binary.op;
	const struct toy_expr *right = e->as.binary.right;
	int saved = c->top, a = any(c, e->as.binary.left), b;
	int64_t k;

	if (literal(right, &k) && (c->short_pool || (k >= SBX_MIN && k <= SBX_MAX))) {
		bool small = k >= SBX_MIN && k <= SBX_MAX;
		enum opcode holds = small ? forms[op].holds_i : forms[op].holds_k;
		enum opcode fails = small ? forms[op].fails_i : forms[op].fails_k;

		text_printf(&c->out, "\t%s r%d, %" PRId64 ", L%d\n",
			    mnemonic(when_true ? holds : fails), a, k, label);
	} else {
		bool swap = when_true ? forms[op].swap_holds : forms[op].swap_fails;

		b = any(c, e->as.binary.right);
		text_printf(&c->out, "\t%s r%d, r%d, L%d\n",
			    mnemonic(when_true ? forms[op].holds : forms[op].fails),
			    swap ? b : a, swap ? a : b, label);
	}
	c->top = saved;
}
/* ANCHOR_END: compare-jump */

static bool is_comparison(const struct toy_expr *e)
{
	return e->kind == TOY_EXPR_BINARY && e->as.binary.op >= TOY_EQ &&
	       e->as.binary.op <= TOY_GE;
}

static void jump_if(struct compiler *c, const struct toy_expr *e, bool when_true,
		    int label);

/* (a && b && ...) is true when every operand is, (a || b || ...) when any
 * is.  When one operand decides, it jumps to label; when one decides the
 * other way, it jumps past the rest (to skip), except the last, which
 * falls through.  The chain is walked in a loop, operand by operand. */
static void logical_jump(struct compiler *c, const struct toy_expr *e, bool when_true,
			 int label)
{
	bool is_and = e->as.binary.op == TOY_AND;
	int skip = is_and == when_true ? new_label(c) : 0;
	size_t base = c->chain.count;
	const struct toy_expr *operand = push_chain(c, e, same_logical);

	while (operand) {
		bool last = c->chain.count == base;

		if (skip && !last)
			jump_if(c, operand, !when_true, skip);
		else
			jump_if(c, operand, when_true, label);
		operand = last ? NULL : toy_stack_pop(&c->chain)->as.binary.right;
	}
	if (skip)
		text_printf(&c->out, "L%d:\n", skip);
}

/* Jumps to label when e's truth is when_true; falls through otherwise. */
static void jump_if(struct compiler *c, const struct toy_expr *e, bool when_true, int label)
{
	int saved = c->top;

	if (is_comparison(e)) {
		compare_jump(c, e, when_true, label);
	} else if (e->kind == TOY_EXPR_UNARY && e->as.unary.op == TOY_NOT) {
		jump_if(c, e->as.unary.operand, !when_true, label);
	} else if (is_logical(e)) {
		logical_jump(c, e, when_true, label);
	} else {
		/* jnei r, 0 rather than jt r: one dispatch as well, and its
		 * offset word reaches any label, where jt's sBx may not. */
		text_printf(&c->out, "\t%s r%d, 0, L%d\n", when_true ? "jnei" : "jeqi",
			    any(c, e), label);
	}
	c->top = saved;
}

/* The instruction of each arithmetic and comparison operator (> and >=
 * are < and <= with the operands swapped). */
static const enum opcode binary_ops[] = {
	[TOY_ADD] = OP_ADD, [TOY_SUB] = OP_SUB, [TOY_MUL] = OP_MUL, [TOY_DIV] = OP_DIV,
	[TOY_MOD] = OP_MOD, [TOY_EQ] = OP_EQ, [TOY_NE] = OP_NE, [TOY_LT] = OP_LT,
	[TOY_LE] = OP_LE, [TOY_GT] = OP_LT, [TOY_GE] = OP_LE,
};

/* The instruction of each arithmetic operator with a 32-bit constant on
 * its right, as Lua 5.4's ADDK, MULK, MODK ... (x - k is x + -k). */
static const enum opcode constant_ops[] = {
	[TOY_ADD] = OP_ADDK, [TOY_SUB] = OP_ADDK, [TOY_MUL] = OP_MULK, [TOY_DIV] = OP_DIVK,
	[TOY_MOD] = OP_MODK,
};

/* Before an instruction that can fault (a division, a memory access, a
 * call): its own position, so that the fault names the expression, not
 * only the statement it is in. */
static void may_fault(struct compiler *c, const struct toy_expr *e)
{
	text_at_source(&c->out, e->line, e->col);
}

/* e, once its left operand is in register a, into register target; its
 * right operand is right (for 3 * n, the literal 3: see binary()). */
static void binary_step(struct compiler *c, const struct toy_expr *e, int a,
			const struct toy_expr *right, int target)
{
	enum toy_op op = e->as.binary.op;
	int64_t k;
	int b;

	/* An arithmetic operator (+ - * / %) with a literal on its right takes
	 * it as an operand: inside the word (addi, 8 bits) or as the next word
	 * (addk ..., 32 bits).  A zero divisor is left to div and mod, which
	 * fault when they run: the verifier refuses a divk or modk by 0. */
	if (op <= TOY_MOD && literal(right, &k)) {
		if (op == TOY_SUB)
			k = (int64_t)(0 - (uint64_t)k);
		if ((op == TOY_ADD || op == TOY_SUB) && k >= SC_MIN && k <= SC_MAX) {
			text_printf(&c->out, "\taddi r%d, r%d, %" PRId64 "\n", target, a, k);
			return;
		}
		if (k >= INT32_MIN && k <= INT32_MAX && !(toy_op_may_fault(op) && k == 0)) {
			text_printf(&c->out, "\t%s r%d, r%d, %" PRId64 "\n",
				    mnemonic(constant_ops[op]), target, a, k);
			return;
		}
	}
	b = any(c, right);
	if (toy_op_may_fault(e->as.binary.op))
		may_fault(c, e);
	if (op == TOY_GT || op == TOY_GE)   /* a > b is b < a */
		text_printf(&c->out, "\t%s r%d, r%d, r%d\n", mnemonic(binary_ops[op]), target, b, a);
	else
		text_printf(&c->out, "\t%s r%d, r%d, r%d\n", mnemonic(binary_ops[op]), target, a, b);
}

/* A chain such as 1 + 2 + ... + n, in a loop (see toy_stack in toy.h): the
 * operand at the bottom of the left side, then each operator, bottom-up.
 * The values between go in one temporary, whatever the chain's length; the
 * last goes to target, which may be a local the operands read, so it is
 * written only once they have been. */
static void binary(struct compiler *c, const struct toy_expr *e, int target)
{
	size_t base = c->chain.count;
	const struct toy_expr *operand, *first;
	int a, partial = target, yes, end;
	int64_t k;
	bool swap;

	if (is_logical(e)) {
		/* A value 0 or 1: decide with jumps, then load the answer. */
		yes = new_label(c);
		end = new_label(c);
		jump_if(c, e, true, yes);
		text_printf(&c->out, "\tloadi r%d, 0\n\tjmp L%d\nL%d:\n\tloadi r%d, 1\nL%d:\n",
			    target, end, yes, target, end);
		return;
	}
	operand = push_chain(c, e, arithmetic);
	if (!operand)
		return;
	if (c->chain.count - base > 1)
		partial = take(c, e);
	/* 3 * n is n * 3 (and 3 + n is n + 3): the literal becomes the
	 * constant operand, with no register of its own. */
	first = c->chain.items[c->chain.count - 1];
	swap = (first->as.binary.op == TOY_ADD || first->as.binary.op == TOY_MUL) &&
	       literal(operand, &k) && !literal(first->as.binary.right, &k);
	a = any(c, swap ? first->as.binary.right : operand);
	while (c->chain.count > base) {
		int saved = c->top, into_reg;

		e = toy_stack_pop(&c->chain);
		into_reg = c->chain.count == base ? target : partial;
		binary_step(c, e, a, swap ? operand : e->as.binary.right, into_reg);
		swap = false;
		c->top = saved;
		a = into_reg;
	}
}

/* Arguments go in consecutive fresh registers; the callee's result comes
 * back in the first.  Compiled into the newest temporary, no move is
 * needed (never into a local's register: the arguments may still read it). */
static void call(struct compiler *c, const struct toy_expr *e, int target)
{
	int base = target == c->top - 1 && target >= c->locals ? target : c->top;

	c->top = base;
	for (int i = 0; i < e->as.call.nargs; i++) {
		int r = take(c, e);

		into(c, e->as.call.args[i], r);
	}
	if (e->as.call.nargs == 0)
		take(c, e);                 /* the result's register */
	may_fault(c, e);
	text_printf(&c->out, "\tcall r%d, f_%s\n", base, e->as.call.name);
	if (target != base)
		text_printf(&c->out, "\tmov r%d, r%d\n", target, base);
}

/* -5 is the literal 5 negated: loadi r, -5 rather than loadi, neg. */
static bool fold_negative_literal(struct compiler *c, const struct toy_expr *e, int target)
{
/* BEGIN EXERCISE ex3.2 */
	int64_t value;

	if (e->as.unary.op != TOY_NEG || e->as.unary.operand->kind != TOY_EXPR_NUMBER)
		return false;
	value = (int64_t)(0 - (uint64_t)e->as.unary.operand->as.number);
	text_printf(&c->out, "\t%s r%d, %" PRId64 "\n",
		    value >= -32768 && value <= 32767 ? "loadi" : "loadk", target, value);
	return true;
/* STUB ex3.2
	(void)c;
	(void)e;
	(void)target;
	exercise_pending("ex3.2");
	return false;
END STUB */
/* END EXERCISE ex3.2 */
}

/* ANCHOR: into */
/* Compiles e so that its value ends up in register target. */
static void into(struct compiler *c, const struct toy_expr *e, int target)
{
	int saved = c->top, index;

	switch (e->kind) {
	case TOY_EXPR_NUMBER:
		if (fits(e, SBX_MIN, SBX_MAX))
			text_printf(&c->out, "\tloadi r%d, %" PRId64 "\n", target, e->as.number);
		else
			text_printf(&c->out, "\tloadk r%d, %" PRId64 "\n", target, e->as.number);
		break;
	case TOY_EXPR_VAR:
		index = home_of(c, &e->as.var);
		if (index < 0 && just_stored(c, target, e->as.var.index))
			break;
		if (index < 0)
			text_printf(&c->out, "\tgetg r%d, %d\t; %s\n", target,
				    e->as.var.index, e->as.var.name);
		else if (index != target)
			text_printf(&c->out, "\tmov r%d, r%d\t; %s\n", target,
				    index, e->as.var.name);
		break;
	case TOY_EXPR_UNARY:
		if (fold_negative_literal(c, e, target))
			break;
		text_printf(&c->out, "\t%s r%d, r%d\n", e->as.unary.op == TOY_NEG ?
			    "neg" : "not", target, any(c, e->as.unary.operand));
		break;
	case TOY_EXPR_BINARY:
		binary(c, e, target);
		break;
	case TOY_EXPR_CALL:
		call(c, e, target);
		break;
	case TOY_EXPR_MEM:
		index = any(c, e->as.mem.index);
		may_fault(c, e);
		text_printf(&c->out, "\tload r%d, r%d\n", target, index);
		break;
	}
	c->top = saved;
}
/* ANCHOR_END: into */

static void block(struct compiler *c, const struct toy_block *b);

/* if ... else if ... else: labels and jumps around this machine's code for
 * the conditions and blocks, written alike for both machines (toy_if.c). */
static void if_statement(struct compiler *c, const struct toy_stmt *s)
{
	static const struct toy_if_backend backend = { jump_if, block };

	toy_if_statement(c, &backend, &c->out, &c->labels, s);
}

static void statement(struct compiler *c, const struct toy_stmt *s);

/* The register of i if loop counts, `while i < n { ...; i = i + 1; }` with
 * i and n locals; -1 otherwise. */
static int counter_of(struct compiler *c, const struct toy_stmt *loop)
{
/* BEGIN EXERCISE ex6.3 */
	const struct toy_block *body = &loop->as.while_.body;
	const struct toy_expr *cond = loop->as.while_.cond, *step;
	const struct toy_stmt *last;
	int i;

	(void)c;
	if (body->count == 0 || cond->kind != TOY_EXPR_BINARY || cond->as.binary.op != TOY_LT ||
	    cond->as.binary.left->kind != TOY_EXPR_VAR ||
	    cond->as.binary.left->as.var.scope != TOY_LOCAL ||
	    cond->as.binary.right->kind != TOY_EXPR_VAR ||
	    cond->as.binary.right->as.var.scope != TOY_LOCAL)
		return -1;
	i = cond->as.binary.left->as.var.index;
	last = body->stmts[body->count - 1];
	if (last->kind != TOY_STMT_ASSIGN || last->as.assign.target.scope != TOY_LOCAL ||
	    last->as.assign.target.index != i)
		return -1;
	step = last->as.assign.value;
	if (step->kind != TOY_EXPR_BINARY || step->as.binary.op != TOY_ADD ||
	    step->as.binary.left->kind != TOY_EXPR_VAR ||
	    step->as.binary.left->as.var.scope != TOY_LOCAL ||
	    step->as.binary.left->as.var.index != i || !fits(step->as.binary.right, 1, 1))
		return -1;
	return i;
/* STUB ex6.3
	(void)c;
	(void)loop;
	exercise_pending("ex6.3");
	return -1;
END STUB */
/* END EXERCISE ex6.3 */
}

/* A while loop's body and the test that jumps back to its top.  With --fuse
 * a counting loop ends in one incjlt rather than an addi and a jlt: a
 * dispatch less per turn (chapter 6).  Without, the code stays the code
 * chapters 3 and 6 measured. */
static void loop_bottom(struct compiler *c, const struct toy_stmt *loop, int top)
{
	const struct toy_block *body = &loop->as.while_.body;
	const struct toy_expr *cond = loop->as.while_.cond;
	int i = c->fuse ? counter_of(c, loop) : -1;

	if (i < 0) {
		block(c, body);
		text_at_source(&c->out, loop->line, loop->col);
		jump_if(c, cond, true, top);
		return;
	}
	for (int k = 0; k < body->count - 1 && !c->err->failed; k++)
		statement(c, body->stmts[k]);
	text_at_source(&c->out, loop->line, loop->col);
	text_printf(&c->out, "\tincjlt r%d, r%d, L%d\n", i, cond->as.binary.right->as.var.index,
		    top);
}

/* A literal e that a loop's body stores (mem[i] = 0) goes in a register of
 * its own before the loop, which the body then reads: loop-invariant, so
 * one loadi in all rather than one a turn. */
static void hoist(struct compiler *c, const struct toy_expr *e)
{
	int r;

	if (e->kind != TOY_EXPR_NUMBER || hoisted_register(c, e->as.number) >= 0 ||
	    c->nhoisted == (int)(sizeof(c->hoisted) / sizeof(c->hoisted[0])))
		return;
	r = take(c, e);
	into(c, e, r);
	c->hoisted[c->nhoisted].value = e->as.number;
	c->hoisted[c->nhoisted++].reg = r;
}

/* Hoists the literals of the stores in b and in the blocks inside it (an
 * else-if chain in a loop, as everywhere). */
static void hoist_stores(struct compiler *c, const struct toy_block *b)
{
	for (int i = 0; i < b->count; i++) {
		const struct toy_stmt *s = b->stmts[i];

		if (s->kind == TOY_STMT_STORE) {
			hoist(c, s->as.store.index);
			hoist(c, s->as.store.value);
		} else if (s->kind == TOY_STMT_WHILE) {
			hoist_stores(c, &s->as.while_.body);
		} else if (s->kind == TOY_STMT_IF) {
			for (; toy_is_else_if(s); s = s->as.if_.else_block.stmts[0])
				hoist_stores(c, &s->as.if_.then_block);
			hoist_stores(c, &s->as.if_.then_block);
			hoist_stores(c, &s->as.if_.else_block);
		}
	}
}

static void statement(struct compiler *c, const struct toy_stmt *s)
{
	int saved = c->top, hoisted = c->nhoisted, first, second, r, value;

	text_at_source(&c->out, s->line, s->col);
	switch (s->kind) {
	case TOY_STMT_ASSIGN:
		if (home_of(c, &s->as.assign.target) >= 0) {
			into(c, s->as.assign.value, home_of(c, &s->as.assign.target));
			break;
		}
		r = any(c, s->as.assign.value);
		text_printf(&c->out, "\tsetg r%d, %d\t; %s\n", r, s->as.assign.target.index,
			    s->as.assign.target.name);
		c->stored.end = c->out.length;
		c->stored.reg = r;
		c->stored.global = s->as.assign.target.index;
		break;
	case TOY_STMT_STORE:
		r = any(c, s->as.store.index);
		value = any(c, s->as.store.value);
		text_at_source(&c->out, s->line, s->col);
		text_printf(&c->out, "\tstore r%d, r%d\n", r, value);
		break;
	case TOY_STMT_IF:
		if_statement(c, s);
		break;
	case TOY_STMT_WHILE:
		/* (Only while half the registers are free: the loop's
		 * temporaries come first.) */
		if (c->top < MAX_REGISTERS / 2)
			hoist_stores(c, &s->as.while_.body);
		/* The test sits at the bottom too, so a turn of the loop costs
		 * one compare-and-jump rather than a test and a jmp. */
		first = new_label(c);
		second = new_label(c);
		jump_if(c, s->as.while_.cond, false, second);
		text_printf(&c->out, "L%d:\n", first);
		loop_bottom(c, s, first);
		text_printf(&c->out, "L%d:\n", second);
		break;
	case TOY_STMT_RETURN:
		if (s->as.value) {
			r = any(c, s->as.value);
		} else {
			r = c->top;
			text_printf(&c->out, "\tloadi r%d, 0\n", take(c, NULL));
		}
		text_printf(&c->out, "\tret r%d\n", r);
		break;
	case TOY_STMT_PRINT:
	case TOY_STMT_PUTC:
		r = any(c, s->as.value);
		text_printf(&c->out, "\t%s r%d\n", s->kind == TOY_STMT_PRINT ? "print" : "putc", r);
		break;
	case TOY_STMT_EXPR:
		any(c, s->as.value);
		break;
	}
	c->top = saved;
	c->nhoisted = hoisted;
}

static void block(struct compiler *c, const struct toy_block *b)
{
	for (int i = 0; i < b->count && !c->err->failed; i++)
		statement(c, b->stmts[i]);
}

/* One function (or the main program, fn == NULL), header after body: the
 * frame size is known only once the body is compiled. */
static void function(struct compiler *c, const struct toy_function *fn)
{
	struct text program = c->out;      /* the functions compiled before */
	int locals = fn ? fn->nlocals : c->main_variables, result;

	c->out = (struct text){ 0 };
	c->stored.reg = NO_REGISTER;
	c->locals = c->top = c->frame = locals;
	block(c, fn ? &fn->body : &c->prog->main);
	if (fn) {
		result = c->top;
		text_printf(&c->out, "\tloadi r%d, 0\n\tret r%d\n", take(c, NULL), result);
	} else {
		text_printf(&c->out, "\thalt\n");
	}
	text_printf(&program, "\n");
	if (fn)
		text_printf(&program, ".line %d %d\n", fn->line, fn->col);
	text_printf(&program, ".func %s%s %d %d\n", fn ? "f_" : "main", fn ? fn->name : "",
		    fn ? fn->nparams : 0, c->frame);
	text_printf(&program, "%s", c->out.chars ? c->out.chars : "");
	program.out_of_memory |= c->out.out_of_memory;
	text_free(&c->out);
	c->out = program;
}

char *reg_compile_toy(const struct toy_program *prog,
		      const struct toy_compile_options *opts, struct error_report *err)
{
	struct compiler c = { .prog = prog, .err = err, .fuse = opts->fuse,
			      .short_pool = prog->nnumbers <= MAX_SHORT_CONSTANTS };

	c.home = malloc(((size_t)prog->nglobals + 1) * sizeof(*c.home));
	if (!c.home) {
		report_set(err, 0, 0, "out of memory");
		return NULL;
	}
	for (int g = 0; g < prog->nglobals; g++) {
		bool in_register = !prog->global_in_functions[g] &&
				   c.main_variables < MAIN_REGISTER_VARIABLES;

		c.home[g] = in_register ? c.main_variables++ : -1;
	}
	text_printf(&c.out, "; compiled from Toy by regvm\n.globals %d\n", prog->nglobals);
	function(&c, NULL);
	for (int i = 0; i < prog->nfunctions && !err->failed; i++)
		function(&c, &prog->functions[i]);
	toy_stack_free(&c.chain);
	free(c.home);
	if (c.out.out_of_memory && !err->failed)
		report_set(err, 0, 0, "out of memory");
	if (err->failed) {
		text_free(&c.out);
		return NULL;
	}
	return c.out.chars;
}
