/* toy_internal.h - what the front end's files share: tokens and the arena.
 * Back ends see only toy.h. */
#ifndef COMMON_TOY_INTERNAL_H
#define COMMON_TOY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/toy.h"

enum token_kind {
	TOKEN_END, TOKEN_NUMBER, TOKEN_NAME,
	/* keywords */
	TOKEN_VAR, TOKEN_FN, TOKEN_IF, TOKEN_ELSE, TOKEN_WHILE, TOKEN_RETURN,
	TOKEN_PRINT, TOKEN_PUTC, TOKEN_MEM,
	/* punctuation */
	TOKEN_LPAREN, TOKEN_RPAREN, TOKEN_LBRACE, TOKEN_RBRACE, TOKEN_LBRACKET,
	TOKEN_RBRACKET, TOKEN_COMMA, TOKEN_SEMICOLON, TOKEN_ASSIGN,
	TOKEN_EQ, TOKEN_NE, TOKEN_LT, TOKEN_LE, TOKEN_GT, TOKEN_GE,
	TOKEN_PLUS, TOKEN_MINUS, TOKEN_STAR, TOKEN_SLASH, TOKEN_PERCENT,
	TOKEN_BANG, TOKEN_AND, TOKEN_OR,
};

struct token {
	enum token_kind kind;
	const char *start;
	int length;
	int line, col;
	int64_t number;          /* for TOKEN_NUMBER */
};

struct toy_lexer {
	const char *p, *end, *line_start;
	int line;
};

void toy_lexer_init(struct toy_lexer *lx, const char *src, size_t len);

/* Reads the next token; on a lexical error returns -1 with err set. */
int toy_next_token(struct toy_lexer *lx, struct token *tok, struct error_report *err);

/* "';'", "'while'", "a name", ... for messages. */
const char *toy_token_name(enum token_kind kind);

/* The arena: every node and string of a program, freed at once. */
struct toy_arena;
struct toy_arena *toy_arena_new(void);
void *toy_arena_alloc(struct toy_arena *arena, size_t size);  /* zeroed */
char *toy_arena_strndup(struct toy_arena *arena, const char *s, int length);
void toy_arena_free(struct toy_arena *arena);

/* The resolver: names to slots, calls to functions (toy_resolve.c). */
int toy_resolve(struct toy_program *program, struct error_report *err);

#endif
