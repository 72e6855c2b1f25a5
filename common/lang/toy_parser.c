/* toy_parser.c - the Toy language's parser: recursive descent, one
 * function per level of precedence, lowest first.
 *
 *   program    = { function | statement }
 *   function   = "fn" NAME "(" [ NAME { "," NAME } ] ")" block
 *   block      = "{" { statement } "}"
 *   statement  = "var" NAME "=" expr ";" | target "=" expr ";"
 *              | "if" "(" expr ")" block [ "else" ( if | block ) ]
 *              | "while" "(" expr ")" block | "return" [ expr ] ";"
 *              | "print" "(" expr ")" ";" | "putc" "(" expr ")" ";" | expr ";"
 *   expr       = and { "||" and }         and = equality { "&&" equality }
 *   equality   = compare { ("==" | "!=") compare }
 *   compare    = sum { ("<" | "<=" | ">" | ">=") sum }
 *   sum        = product { ("+" | "-") product }
 *   product    = unary { ("*" | "/" | "%") unary }
 *   unary      = ("-" | "!") unary | primary
 *   primary    = NUMBER | NAME [ "(" args ")" ] | "mem" "[" expr "]" | "(" expr ")"
 *
 * The parser only builds the tree; toy_resolve.c then gives every name its
 * meaning.  Nesting deeper than TOY_MAX_NESTING is an error, and what may
 * repeat without nesting (operators of one level, `else if`, statements) is
 * parsed in a loop, so no input can exhaust the C stack: every recursion is
 * at most a few frames per level of nesting.  The tree still has chains as
 * deep as they are long (1+1+...+1 leans left), so everything that walks it
 * walks those chains in a loop too (toy_stack in toy.h).
 */
#include "lang/toy_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	struct toy_lexer lx;
	struct token tok;            /* the current token */
	struct error_report *err;
	struct toy_arena *arena;
	int depth;
	bool in_function;
	int numbers;                 /* number literals so far */
};

/* A growing list of pointers, copied into the arena when complete. */
struct list {
	void **items;
	int count, capacity;
};

static int list_add(struct parser *ps, struct list *list, void *item)
{
	if (list->count == list->capacity) {
		int capacity = list->capacity ? 2 * list->capacity : 8;
		void **items = realloc(list->items, (size_t)capacity * sizeof(void *));

		if (!items) {
			report_set(ps->err, ps->tok.line, ps->tok.col, "out of memory");
			return -1;
		}
		list->items = items;
		list->capacity = capacity;
	}
	list->items[list->count++] = item;
	return 0;
}

/* Moves a list into the arena; returns NULL (and frees it) on failure. */
static void **list_finish(struct parser *ps, struct list *list)
{
	void **items = toy_arena_alloc(ps->arena, (size_t)list->count * sizeof(void *) + 1);

	if (items && list->count)
		memcpy(items, list->items, (size_t)list->count * sizeof(void *));
	if (!items)
		report_set(ps->err, ps->tok.line, ps->tok.col, "out of memory");
	free(list->items);
	*list = (struct list){ 0 };
	return items;
}

static void *node(struct parser *ps, size_t size)
{
	void *p = toy_arena_alloc(ps->arena, size);

	if (!p)
		report_set(ps->err, ps->tok.line, ps->tok.col, "out of memory");
	return p;
}

static int advance(struct parser *ps)
{
	return toy_next_token(&ps->lx, &ps->tok, ps->err);
}

static int error_here(struct parser *ps, const char *what)
{
	if (ps->tok.kind == TOKEN_END)
		report_set(ps->err, ps->tok.line, ps->tok.col, "expected %s before the "
			   "end of the file", what);
	else
		report_set(ps->err, ps->tok.line, ps->tok.col, "expected %s, found %.*s",
			   what, ps->tok.length, ps->tok.start);
	return -1;
}

static int expect(struct parser *ps, enum token_kind kind, const char *context)
{
	char what[96];

	if (ps->tok.kind == kind)
		return advance(ps);
	snprintf(what, sizeof(what), "%s%s", toy_token_name(kind), context);
	return error_here(ps, what);
}

static bool accept(struct parser *ps, enum token_kind kind, int *status)
{
	if (ps->tok.kind != kind)
		return false;
	*status = advance(ps);
	return true;
}

static int enter(struct parser *ps)
{
	if (++ps->depth > TOY_MAX_NESTING) {
		report_set(ps->err, ps->tok.line, ps->tok.col, "nested too deeply "
			   "(more than %d levels)", TOY_MAX_NESTING);
		return -1;
	}
	return 0;
}

/* --- expressions ------------------------------------------------------- */

static struct toy_expr *expression(struct parser *ps);

static struct toy_expr *new_expr(struct parser *ps, enum toy_expr_kind kind,
				 const struct token *at)
{
	struct toy_expr *e = node(ps, sizeof(*e));

	if (e) {
		e->kind = kind;
		e->line = at->line;
		e->col = at->col;
	}
	return e;
}

static struct toy_expr *call(struct parser *ps, struct toy_expr *e)
{
	struct list args = { 0 };
	int status = 0;

	e->kind = TOY_EXPR_CALL;
	if (advance(ps) != 0)                       /* the '(' */
		return NULL;
	if (ps->tok.kind != TOKEN_RPAREN) {
		do {
			struct toy_expr *arg = expression(ps);

			if (!arg || list_add(ps, &args, arg) != 0) {
				free(args.items);
				return NULL;
			}
		} while (accept(ps, TOKEN_COMMA, &status) && status == 0);
	}
	e->as.call.nargs = args.count;
	e->as.call.args = (struct toy_expr **)list_finish(ps, &args);
	if (status != 0 || !e->as.call.args ||
	    expect(ps, TOKEN_RPAREN, " after the arguments") != 0)
		return NULL;
	return e;
}

static struct toy_expr *primary(struct parser *ps)
{
	struct token at = ps->tok;
	struct toy_expr *e;

	switch (at.kind) {
	case TOKEN_NUMBER:
		e = new_expr(ps, TOY_EXPR_NUMBER, &at);
		if (!e || advance(ps) != 0)
			return NULL;
		e->as.number = at.number;
		ps->numbers++;
		return e;
	case TOKEN_NAME:
		e = new_expr(ps, TOY_EXPR_VAR, &at);
		if (!e || advance(ps) != 0)
			return NULL;
		if (ps->tok.kind == TOKEN_LPAREN) {
			e->as.call.name = toy_arena_strndup(ps->arena, at.start, at.length);
			return e->as.call.name ? call(ps, e) : NULL;
		}
		e->as.var.name = toy_arena_strndup(ps->arena, at.start, at.length);
		return e->as.var.name ? e : NULL;
	case TOKEN_MEM:
		e = new_expr(ps, TOY_EXPR_MEM, &at);
		if (!e || advance(ps) != 0 || expect(ps, TOKEN_LBRACKET, " after mem") != 0)
			return NULL;
		e->as.mem.index = expression(ps);
		if (!e->as.mem.index || expect(ps, TOKEN_RBRACKET, " after the index") != 0)
			return NULL;
		return e;
	case TOKEN_LPAREN:
		if (advance(ps) != 0)
			return NULL;
		e = expression(ps);
		if (!e || expect(ps, TOKEN_RPAREN, "") != 0)
			return NULL;
		return e;
	default:
		error_here(ps, "an expression");
		return NULL;
	}
}

static struct toy_expr *unary(struct parser *ps)
{
	struct token at = ps->tok;
	struct toy_expr *e, *operand;

	if (at.kind != TOKEN_MINUS && at.kind != TOKEN_BANG)
		return primary(ps);
	if (enter(ps) != 0 || advance(ps) != 0)
		return NULL;
	operand = unary(ps);
	ps->depth--;
	e = operand ? new_expr(ps, TOY_EXPR_UNARY, &at) : NULL;
	if (!e)
		return NULL;
	e->as.unary.op = at.kind == TOKEN_MINUS ? TOY_NEG : TOY_NOT;
	e->as.unary.operand = operand;
	return e;
}

/* One level of left-associative binary operators: the tokens of this level
 * and the operators they stand for, and the next level's parser. */
struct level {
	enum token_kind tokens[4];
	enum toy_op ops[4];
	int count;
	struct toy_expr *(*next)(struct parser *ps);
};

static struct toy_expr *binary(struct parser *ps, const struct level *level)
{
	struct toy_expr *left = level->next(ps);

	while (left) {
		struct token at = ps->tok;
		struct toy_expr *e;
		int i;

		for (i = 0; i < level->count && level->tokens[i] != at.kind; i++)
			;
		if (i == level->count)
			break;
		e = new_expr(ps, TOY_EXPR_BINARY, &at);
		if (!e || advance(ps) != 0)
			return NULL;
		e->as.binary.op = level->ops[i];
		e->as.binary.left = left;
		e->as.binary.right = level->next(ps);
		if (!e->as.binary.right)
			return NULL;
		left = e;
	}
	return left;
}

static struct toy_expr *product(struct parser *ps)
{
	static const struct level level = { { TOKEN_STAR, TOKEN_SLASH, TOKEN_PERCENT },
		{ TOY_MUL, TOY_DIV, TOY_MOD }, 3, unary };
	return binary(ps, &level);
}

static struct toy_expr *sum(struct parser *ps)
{
	static const struct level level = { { TOKEN_PLUS, TOKEN_MINUS },
		{ TOY_ADD, TOY_SUB }, 2, product };
	return binary(ps, &level);
}

static struct toy_expr *compare(struct parser *ps)
{
	static const struct level level = { { TOKEN_LT, TOKEN_LE, TOKEN_GT, TOKEN_GE },
		{ TOY_LT, TOY_LE, TOY_GT, TOY_GE }, 4, sum };
	return binary(ps, &level);
}

static struct toy_expr *equality(struct parser *ps)
{
	static const struct level level = { { TOKEN_EQ, TOKEN_NE }, { TOY_EQ, TOY_NE },
		2, compare };
	return binary(ps, &level);
}

static struct toy_expr *and_expr(struct parser *ps)
{
	static const struct level level = { { TOKEN_AND }, { TOY_AND }, 1, equality };
	return binary(ps, &level);
}

static struct toy_expr *expression(struct parser *ps)
{
	static const struct level level = { { TOKEN_OR }, { TOY_OR }, 1, and_expr };
	struct toy_expr *e;

	if (enter(ps) != 0)
		return NULL;
	e = binary(ps, &level);
	ps->depth--;
	return e;
}

/* --- statements -------------------------------------------------------- */

static int block(struct parser *ps, struct toy_block *out);

static struct toy_stmt *new_stmt(struct parser *ps, enum toy_stmt_kind kind,
				 const struct token *at)
{
	struct toy_stmt *s = node(ps, sizeof(*s));

	if (s) {
		s->kind = kind;
		s->line = at->line;
		s->col = at->col;
	}
	return s;
}

/* `print(e);` and `putc(e);` */
static struct toy_stmt *output(struct parser *ps, enum toy_stmt_kind kind,
			       const struct token *at)
{
	struct toy_stmt *s = new_stmt(ps, kind, at);

	if (!s || advance(ps) != 0 || expect(ps, TOKEN_LPAREN, "") != 0)
		return NULL;
	s->as.value = expression(ps);
	if (!s->as.value || expect(ps, TOKEN_RPAREN, "") != 0 ||
	    expect(ps, TOKEN_SEMICOLON, " after the statement") != 0)
		return NULL;
	return s;
}

/* `if (e) {...}`, without its else part. */
static struct toy_stmt *if_then(struct parser *ps, const struct token *at)
{
	struct toy_stmt *s = new_stmt(ps, TOY_STMT_IF, at);

	if (!s || advance(ps) != 0 || expect(ps, TOKEN_LPAREN, " after if") != 0)
		return NULL;
	s->as.if_.cond = expression(ps);
	if (!s->as.if_.cond || expect(ps, TOKEN_RPAREN, " after the condition") != 0 ||
	    block(ps, &s->as.if_.then_block) != 0)
		return NULL;
	return s;
}

/* An `else if` chain is built in a loop, each `if` becoming the else block
 * (of one statement) of the one before: a chain of any length nests no
 * deeper in C than one `if`. */
static struct toy_stmt *if_statement(struct parser *ps, const struct token *at)
{
	struct toy_stmt *first = if_then(ps, at), *last = first;
	int status = 0;

	while (last && accept(ps, TOKEN_ELSE, &status)) {
		struct token inner = ps->tok;
		struct toy_stmt **one;

		if (status != 0)
			return NULL;
		if (inner.kind != TOKEN_IF)
			return block(ps, &last->as.if_.else_block) == 0 ? first : NULL;
		one = node(ps, sizeof(struct toy_stmt *));
		if (!one || !(one[0] = if_then(ps, &inner)))
			return NULL;
		last->as.if_.else_block = (struct toy_block){ 1, one };
		last = one[0];
	}
	return last ? first : NULL;
}

static struct toy_stmt *statement(struct parser *ps)
{
	struct token at = ps->tok;
	struct toy_stmt *s;
	struct toy_expr *e;

	switch (at.kind) {
	case TOKEN_VAR:
		s = new_stmt(ps, TOY_STMT_ASSIGN, &at);
		if (!s || advance(ps) != 0)
			return NULL;
		if (ps->tok.kind != TOKEN_NAME) {
			error_here(ps, "a variable name after var");
			return NULL;
		}
		s->line = ps->tok.line;             /* errors point at the name */
		s->col = ps->tok.col;
		s->as.assign.declares = true;
		s->as.assign.target.name = toy_arena_strndup(ps->arena, ps->tok.start,
							     ps->tok.length);
		if (!s->as.assign.target.name || advance(ps) != 0 ||
		    expect(ps, TOKEN_ASSIGN, " after the variable name") != 0)
			return NULL;
		s->as.assign.value = expression(ps);
		if (!s->as.assign.value ||
		    expect(ps, TOKEN_SEMICOLON, " after the declaration") != 0)
			return NULL;
		return s;
	case TOKEN_IF:
		return if_statement(ps, &at);
	case TOKEN_WHILE:
		s = new_stmt(ps, TOY_STMT_WHILE, &at);
		if (!s || advance(ps) != 0 || expect(ps, TOKEN_LPAREN, " after while") != 0)
			return NULL;
		s->as.while_.cond = expression(ps);
		if (!s->as.while_.cond ||
		    expect(ps, TOKEN_RPAREN, " after the condition") != 0 ||
		    block(ps, &s->as.while_.body) != 0)
			return NULL;
		return s;
	case TOKEN_RETURN:
		if (!ps->in_function) {
			report_set(ps->err, at.line, at.col, "'return' outside a function");
			return NULL;
		}
		s = new_stmt(ps, TOY_STMT_RETURN, &at);
		if (!s || advance(ps) != 0)
			return NULL;
		if (ps->tok.kind != TOKEN_SEMICOLON && !(s->as.value = expression(ps)))
			return NULL;
		return expect(ps, TOKEN_SEMICOLON, " after return") == 0 ? s : NULL;
	case TOKEN_PRINT:
		return output(ps, TOY_STMT_PRINT, &at);
	case TOKEN_PUTC:
		return output(ps, TOY_STMT_PUTC, &at);
	default:
		break;
	}
	/* An assignment starts like an expression: parse one, then see. */
	e = expression(ps);
	if (!e)
		return NULL;
	if (ps->tok.kind == TOKEN_ASSIGN) {
		if (e->kind != TOY_EXPR_VAR && e->kind != TOY_EXPR_MEM) {
			report_set(ps->err, ps->tok.line, ps->tok.col, "only a variable or "
				   "mem[...] can be assigned to");
			return NULL;
		}
		s = new_stmt(ps, e->kind == TOY_EXPR_VAR ? TOY_STMT_ASSIGN : TOY_STMT_STORE,
			     &at);
		if (!s || advance(ps) != 0)
			return NULL;
		if (e->kind == TOY_EXPR_VAR) {
			s->as.assign.target = e->as.var;
			s->as.assign.value = expression(ps);
			e = s->as.assign.value;
		} else {
			s->as.store.index = e->as.mem.index;
			s->as.store.value = expression(ps);
			e = s->as.store.value;
		}
	} else {
		s = new_stmt(ps, TOY_STMT_EXPR, &at);
		if (s)
			s->as.value = e;
	}
	if (!s || !e || expect(ps, TOKEN_SEMICOLON, " after the statement") != 0)
		return NULL;
	return s;
}

static int block(struct parser *ps, struct toy_block *out)
{
	struct list stmts = { 0 };

	if (enter(ps) != 0 || expect(ps, TOKEN_LBRACE, "") != 0)
		return -1;
	while (ps->tok.kind != TOKEN_RBRACE) {
		struct toy_stmt *s;

		if (ps->tok.kind == TOKEN_END) {
			error_here(ps, "'}'");
			free(stmts.items);
			return -1;
		}
		s = statement(ps);
		if (!s || list_add(ps, &stmts, s) != 0) {
			free(stmts.items);
			return -1;
		}
	}
	ps->depth--;
	out->count = stmts.count;
	out->stmts = (struct toy_stmt **)list_finish(ps, &stmts);
	return out->stmts ? advance(ps) : -1;
}

/* --- the program --------------------------------------------------------- */

static struct toy_function *function(struct parser *ps)
{
	struct toy_function *fn = node(ps, sizeof(*fn));
	struct list params = { 0 };
	int status = 0;

	if (!fn || advance(ps) != 0)                  /* the 'fn' */
		return NULL;
	if (ps->tok.kind != TOKEN_NAME) {
		error_here(ps, "a function name after fn");
		return NULL;
	}
	fn->name = toy_arena_strndup(ps->arena, ps->tok.start, ps->tok.length);
	fn->line = ps->tok.line;
	fn->col = ps->tok.col;
	if (!fn->name || advance(ps) != 0 || expect(ps, TOKEN_LPAREN, " after the "
						    "function name") != 0)
		return NULL;
	if (ps->tok.kind != TOKEN_RPAREN) {
		do {
			struct toy_expr *param;

			if (ps->tok.kind != TOKEN_NAME) {
				error_here(ps, "a parameter name");
				free(params.items);
				return NULL;
			}
			param = new_expr(ps, TOY_EXPR_VAR, &ps->tok);
			if (!param || !(param->as.var.name = toy_arena_strndup(
					ps->arena, ps->tok.start, ps->tok.length)) ||
			    list_add(ps, &params, param) != 0 || advance(ps) != 0) {
				free(params.items);
				return NULL;
			}
		} while (accept(ps, TOKEN_COMMA, &status) && status == 0);
	}
	fn->nparams = params.count;
	/* The parameters travel to the resolver as the body's first "locals":
	 * stored for now in the arena list, see toy_resolve.c. */
	fn->param_list = (struct toy_expr **)list_finish(ps, &params);
	if (status != 0 || !fn->param_list ||
	    expect(ps, TOKEN_RPAREN, " after the parameters") != 0)
		return NULL;
	ps->in_function = true;
	status = block(ps, &fn->body);
	ps->in_function = false;
	return status == 0 ? fn : NULL;
}

static int program(struct parser *ps, struct toy_program *prog)
{
	struct list stmts = { 0 }, functions = { 0 };
	int status = 0;

	while (status == 0 && ps->tok.kind != TOKEN_END) {
		if (ps->tok.kind == TOKEN_FN) {
			struct toy_function *fn = function(ps);

			status = fn ? list_add(ps, &functions, fn) : -1;
		} else {
			struct toy_stmt *s = statement(ps);

			status = s ? list_add(ps, &stmts, s) : -1;
		}
	}
	if (status != 0) {
		free(stmts.items);
		free(functions.items);
		return -1;
	}
	prog->main.count = stmts.count;
	prog->main.stmts = (struct toy_stmt **)list_finish(ps, &stmts);
	prog->nfunctions = functions.count;
	prog->functions = toy_arena_alloc(ps->arena, (size_t)functions.count *
					  sizeof(struct toy_function) + 1);
	for (int i = 0; prog->functions && i < functions.count; i++)
		prog->functions[i] = *(struct toy_function *)functions.items[i];
	free(functions.items);
	if (!prog->main.stmts || !prog->functions) {
		report_set(ps->err, 0, 0, "out of memory");
		return -1;
	}
	return 0;
}

struct toy_program *toy_parse(const char *src, size_t len, struct error_report *err)
{
	struct parser ps = { .err = err };
	struct toy_program *prog;

	if (len > TOY_MAX_SOURCE) {
		report_set(err, 0, 0, "the source is larger than %d bytes", TOY_MAX_SOURCE);
		return NULL;
	}
	ps.arena = toy_arena_new();
	prog = ps.arena ? toy_arena_alloc(ps.arena, sizeof(*prog)) : NULL;
	if (!prog) {
		toy_arena_free(ps.arena);
		report_set(err, 0, 0, "out of memory");
		return NULL;
	}
	prog->arena = ps.arena;
	toy_lexer_init(&ps.lx, src, len);
	if (advance(&ps) != 0 || program(&ps, prog) != 0 || toy_resolve(prog, err) != 0) {
		toy_free(prog);
		return NULL;
	}
	prog->nnumbers = ps.numbers;
	return prog;
}

void toy_free(struct toy_program *prog)
{
	if (prog)
		toy_arena_free(prog->arena);
}
