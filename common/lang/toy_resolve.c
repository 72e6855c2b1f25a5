/* toy_resolve.c - gives every name in a parsed program its meaning.
 *
 *   - functions live in their own namespace and may be called before or
 *     after their definition: each call learns the index of its function,
 *     and the argument count is checked;
 *   - every `var` in top-level code declares a global; globals are visible
 *     in every function, and in top-level code from their declaration on;
 *   - parameters and `var`s inside a function are its locals, numbered in
 *     order (parameters first), each visible from its declaration on, to
 *     the end of the function; a local hides a global of the same name;
 *   - each global notes whether any function reads or writes it.
 */
#include "lang/toy_internal.h"

#include <stdlib.h>
#include <string.h>

#include "lang/symtab.h"

struct names {
	const char **items;
	int count, capacity;
};

struct resolver {
	struct toy_program *prog;
	struct error_report *err;
	struct names globals;
	struct symtab global_index;   /* name -> index in globals */
	int globals_declared;    /* top-level code: how many are visible so far */
	struct names locals;     /* of the function being resolved */
	struct toy_function *fn; /* NULL in top-level code */
	struct symtab function_index; /* name -> its first definition */
	struct toy_stack chain;  /* the operators of chains being walked */
};

/* Locals: a short list (at most TOY_MAX_LOCALS), searched in order. */
static int find(const struct names *names, const char *name, int limit)
{
	for (int i = 0; i < limit; i++)
		if (strcmp(names->items[i], name) == 0)
			return i;
	return -1;
}

/* Globals: a hash table, since a program may have TOY_MAX_GLOBALS of them. */
static int find_global(const struct resolver *r, const char *name, int limit)
{
	uint32_t i;

	return symtab_find_name(&r->global_index, name, &i) && (int)i < limit ? (int)i : -1;
}

static int find_function(const struct resolver *r, const char *name)
{
	uint32_t i;

	return symtab_find_name(&r->function_index, name, &i) ? (int)i : -1;
}

static int add(struct resolver *r, struct names *names, const char *name,
	       int max, int line, int col, const char *what)
{
	if (names->count == max) {
		report_set(r->err, line, col, "too many %s (at most %d)", what, max);
		return -1;
	}
	if (names->count == names->capacity) {
		int capacity = names->capacity ? 2 * names->capacity : 16;
		const char **items = realloc(names->items, (size_t)capacity * sizeof(*items));

		if (!items) {
			report_set(r->err, line, col, "out of memory");
			return -1;
		}
		names->items = items;
		names->capacity = capacity;
	}
	names->items[names->count++] = name;
	return 0;
}

static int resolve_expr(struct resolver *r, struct toy_expr *e);

/* A variable: a local declared so far, else a visible global. */
static int resolve_var(struct resolver *r, struct toy_var *var, int line, int col)
{
	int i = r->fn ? find(&r->locals, var->name, r->locals.count) : -1;

	if (i >= 0) {
		var->scope = TOY_LOCAL;
		var->index = i;
		return 0;
	}
	i = find_global(r, var->name, r->fn ? r->globals.count : r->globals_declared);
	if (i < 0) {
		report_set(r->err, line, col, "unknown variable '%s'", var->name);
		return -1;
	}
	var->scope = TOY_GLOBAL;
	var->index = i;
	if (r->fn)
		r->prog->global_in_functions[i] = true;
	return 0;
}

static int resolve_call(struct resolver *r, struct toy_expr *e)
{
	const struct toy_program *prog = r->prog;
	int f = find_function(r, e->as.call.name);

	if (f < 0) {
		report_set(r->err, e->line, e->col, "unknown function '%s'", e->as.call.name);
		return -1;
	}
	if (e->as.call.nargs != prog->functions[f].nparams) {
		report_set(r->err, e->line, e->col, "function '%s' takes %d argument%s, "
			   "%d given", e->as.call.name, prog->functions[f].nparams,
			   prog->functions[f].nparams == 1 ? "" : "s", e->as.call.nargs);
		return -1;
	}
	for (int i = 0; i < e->as.call.nargs; i++)
		if (resolve_expr(r, e->as.call.args[i]) != 0)
			return -1;
	return 0;
}

/* A chain of binary operators, in a loop (see toy_stack in toy.h): the
 * operand at the bottom of the left side first, then each right operand. */
static int resolve_chain(struct resolver *r, struct toy_expr *e)
{
	size_t base = r->chain.count;

	for (; e->kind == TOY_EXPR_BINARY; e = e->as.binary.left) {
		if (toy_stack_push(&r->chain, e) != 0) {
			report_set(r->err, e->line, e->col, "out of memory");
			return -1;
		}
	}
	if (resolve_expr(r, e) != 0)
		return -1;
	while (r->chain.count > base) {
		/* The resolver owns the tree it fills in: the const is the stack's. */
		e = (struct toy_expr *)toy_stack_pop(&r->chain);
		if (resolve_expr(r, e->as.binary.right) != 0)
			return -1;
	}
	return 0;
}

static int resolve_expr(struct resolver *r, struct toy_expr *e)
{
	switch (e->kind) {
	case TOY_EXPR_NUMBER:
		return 0;
	case TOY_EXPR_VAR:
		return resolve_var(r, &e->as.var, e->line, e->col);
	case TOY_EXPR_UNARY:
		return resolve_expr(r, e->as.unary.operand);
	case TOY_EXPR_BINARY:
		return resolve_chain(r, e);
	case TOY_EXPR_CALL:
		return resolve_call(r, e);
	case TOY_EXPR_MEM:
		return resolve_expr(r, e->as.mem.index);
	}
	return 0;
}

static int resolve_block(struct resolver *r, struct toy_block *block);

/* `var x = e;`: e first (it cannot see x), then x becomes visible. */
static int declare(struct resolver *r, struct toy_stmt *s)
{
	struct toy_var *target = &s->as.assign.target;
	int i;

	if (resolve_expr(r, s->as.assign.value) != 0)
		return -1;
	if (!r->fn) {                 /* globals were numbered by collect_globals */
		target->scope = TOY_GLOBAL;
		target->index = r->globals_declared++;
		return 0;
	}
	i = find(&r->locals, target->name, r->locals.count);
	if (i >= 0) {
		report_set(r->err, s->line, s->col, "'%s' is already declared in this "
			   "function", target->name);
		return -1;
	}
	if (add(r, &r->locals, target->name, TOY_MAX_LOCALS, s->line, s->col,
		"locals and parameters in one function") != 0)
		return -1;
	target->scope = TOY_LOCAL;
	target->index = r->locals.count - 1;
	return 0;
}

static int resolve_stmt(struct resolver *r, struct toy_stmt *s)
{
	switch (s->kind) {
	case TOY_STMT_ASSIGN:
		if (s->as.assign.declares)
			return declare(r, s);
		return resolve_expr(r, s->as.assign.value) ||
		       resolve_var(r, &s->as.assign.target, s->line, s->col) ? -1 : 0;
	case TOY_STMT_STORE:
		return resolve_expr(r, s->as.store.index) ||
		       resolve_expr(r, s->as.store.value) ? -1 : 0;
	case TOY_STMT_IF:
		/* else if ... else if: a chain too, walked in a loop */
		for (;;) {
			if (resolve_expr(r, s->as.if_.cond) != 0 ||
			    resolve_block(r, &s->as.if_.then_block) != 0)
				return -1;
			if (!toy_is_else_if(s))
				return resolve_block(r, &s->as.if_.else_block);
			s = s->as.if_.else_block.stmts[0];
		}
	case TOY_STMT_WHILE:
		return resolve_expr(r, s->as.while_.cond) ||
		       resolve_block(r, &s->as.while_.body) ? -1 : 0;
	case TOY_STMT_RETURN:
		return s->as.value ? resolve_expr(r, s->as.value) : 0;
	case TOY_STMT_PRINT:
	case TOY_STMT_PUTC:
	case TOY_STMT_EXPR:
		return resolve_expr(r, s->as.value);
	}
	return 0;
}

static int resolve_block(struct resolver *r, struct toy_block *block)
{
	for (int i = 0; i < block->count; i++)
		if (resolve_stmt(r, block->stmts[i]) != 0)
			return -1;
	return 0;
}

/* Checks and numbers one global. */
static int collect_global(struct resolver *r, const struct toy_stmt *s)
{
	const char *name = s->as.assign.target.name;

	if (find_global(r, name, r->globals.count) >= 0) {
		report_set(r->err, s->line, s->col, "global '%s' is already declared", name);
		return -1;
	}
	if (add(r, &r->globals, name, TOY_MAX_GLOBALS, s->line, s->col, "globals") != 0)
		return -1;
	if (symtab_add_name(&r->global_index, name, (uint32_t)r->globals.count - 1) != 0) {
		report_set(r->err, s->line, s->col, "out of memory");
		return -1;
	}
	return 0;
}

/* Numbers every top-level `var`, in order, before anything is resolved:
 * functions may use a global declared after them. */
static int collect_globals(struct resolver *r, const struct toy_block *block)
{
	for (int i = 0; i < block->count; i++) {
		const struct toy_stmt *s = block->stmts[i];

		if (s->kind == TOY_STMT_IF) {
			while (toy_is_else_if(s)) {      /* a chain, in a loop */
				if (collect_globals(r, &s->as.if_.then_block) != 0)
					return -1;
				s = s->as.if_.else_block.stmts[0];
			}
			if (collect_globals(r, &s->as.if_.then_block) != 0 ||
			    collect_globals(r, &s->as.if_.else_block) != 0)
				return -1;
		} else if (s->kind == TOY_STMT_WHILE) {
			if (collect_globals(r, &s->as.while_.body) != 0)
				return -1;
		} else if (s->kind == TOY_STMT_ASSIGN && s->as.assign.declares) {
			if (collect_global(r, s) != 0)
				return -1;
		}
	}
	return 0;
}

static int resolve_function(struct resolver *r, struct toy_function *fn, int index)
{
	int first = find_function(r, fn->name);

	if (first != index) {
		report_set(r->err, fn->line, fn->col, "function '%s' is already "
			   "defined at line %d", fn->name, r->prog->functions[first].line);
		return -1;
	}
	r->fn = fn;
	r->locals.count = 0;
	for (int i = 0; i < fn->nparams; i++) {
		const struct toy_expr *p = fn->param_list[i];

		if (find(&r->locals, p->as.var.name, r->locals.count) >= 0) {
			report_set(r->err, p->line, p->col, "parameter '%s' is given twice",
				   p->as.var.name);
			return -1;
		}
		if (add(r, &r->locals, p->as.var.name, TOY_MAX_PARAMS, p->line, p->col,
			"parameters") != 0)
			return -1;
	}
	if (resolve_block(r, &fn->body) != 0)
		return -1;
	fn->nlocals = r->locals.count;
	r->fn = NULL;
	return 0;
}

/* Every function's name, before any body is resolved: a call may come
 * before the definition.  A second definition of a name is reported when
 * its turn comes, in resolve_function(). */
static int index_functions(struct resolver *r)
{
	for (int i = 0; i < r->prog->nfunctions; i++) {
		const struct toy_function *fn = &r->prog->functions[i];

		if (find_function(r, fn->name) < 0 &&
		    symtab_add_name(&r->function_index, fn->name, (uint32_t)i) != 0) {
			report_set(r->err, fn->line, fn->col, "out of memory");
			return -1;
		}
	}
	return 0;
}

int toy_resolve(struct toy_program *prog, struct error_report *err)
{
	struct resolver r = { .prog = prog, .err = err };
	int status = -1;

	if (prog->nfunctions > TOY_MAX_FUNCTIONS) {
		const struct toy_function *extra = &prog->functions[TOY_MAX_FUNCTIONS];

		report_set(err, extra->line, extra->col, "too many functions (at most %d)",
			   TOY_MAX_FUNCTIONS);
		return -1;
	}
	if (index_functions(&r) != 0 || collect_globals(&r, &prog->main) != 0)
		goto out;
	prog->global_in_functions = toy_arena_alloc(prog->arena, (size_t)r.globals.count + 1);
	if (!prog->global_in_functions) {
		report_set(err, 0, 0, "out of memory");
		goto out;
	}
	for (int i = 0; i < prog->nfunctions; i++)
		if (resolve_function(&r, &prog->functions[i], i) != 0)
			goto out;
	if (resolve_block(&r, &prog->main) != 0)
		goto out;
	prog->nglobals = r.globals.count;
	prog->global_names = toy_arena_alloc(prog->arena, (size_t)r.globals.count *
					     sizeof(char *) + 1);
	if (!prog->global_names) {
		report_set(err, 0, 0, "out of memory");
		goto out;
	}
	if (r.globals.count)
		memcpy(prog->global_names, r.globals.items, (size_t)r.globals.count * sizeof(char *));
	status = 0;
out:
	free(r.globals.items);
	free(r.locals.items);
	symtab_free(&r.global_index);
	symtab_free(&r.function_index);
	toy_stack_free(&r.chain);
	return status;
}
