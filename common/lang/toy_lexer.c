/* toy_lexer.c - the Toy language's tokens, and the arena that holds a
 * parsed program. */
#include "lang/toy_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void toy_lexer_init(struct toy_lexer *lx, const char *src, size_t len)
{
	*lx = (struct toy_lexer){ .p = src, .end = src + len, .line_start = src, .line = 1 };
}

static const struct { const char *word; enum token_kind kind; } keywords[] = {
	{ "var", TOKEN_VAR }, { "fn", TOKEN_FN }, { "if", TOKEN_IF },
	{ "else", TOKEN_ELSE }, { "while", TOKEN_WHILE }, { "return", TOKEN_RETURN },
	{ "print", TOKEN_PRINT }, { "putc", TOKEN_PUTC }, { "mem", TOKEN_MEM },
};

static const char *const token_names[] = {
	[TOKEN_END] = "the end of the file", [TOKEN_NUMBER] = "a number",
	[TOKEN_NAME] = "a name", [TOKEN_VAR] = "'var'", [TOKEN_FN] = "'fn'",
	[TOKEN_IF] = "'if'", [TOKEN_ELSE] = "'else'", [TOKEN_WHILE] = "'while'",
	[TOKEN_RETURN] = "'return'", [TOKEN_PRINT] = "'print'", [TOKEN_PUTC] = "'putc'",
	[TOKEN_MEM] = "'mem'", [TOKEN_LPAREN] = "'('", [TOKEN_RPAREN] = "')'",
	[TOKEN_LBRACE] = "'{'", [TOKEN_RBRACE] = "'}'", [TOKEN_LBRACKET] = "'['",
	[TOKEN_RBRACKET] = "']'", [TOKEN_COMMA] = "','", [TOKEN_SEMICOLON] = "';'",
	[TOKEN_ASSIGN] = "'='", [TOKEN_EQ] = "'=='", [TOKEN_NE] = "'!='",
	[TOKEN_LT] = "'<'", [TOKEN_LE] = "'<='", [TOKEN_GT] = "'>'", [TOKEN_GE] = "'>='",
	[TOKEN_PLUS] = "'+'", [TOKEN_MINUS] = "'-'", [TOKEN_STAR] = "'*'",
	[TOKEN_SLASH] = "'/'", [TOKEN_PERCENT] = "'%'", [TOKEN_BANG] = "'!'",
	[TOKEN_AND] = "'&&'", [TOKEN_OR] = "'||'",
};

const char *toy_token_name(enum token_kind kind)
{
	return token_names[kind];
}

static void skip_space_and_comments(struct toy_lexer *lx)
{
	while (lx->p < lx->end) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->line_start = ++lx->p;
		} else if (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r') {
			lx->p++;
		} else if (*lx->p == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else {
			return;
		}
	}
}

static int number(struct toy_lexer *lx, struct token *tok, struct error_report *err)
{
	uint64_t value = 0;
	bool hex = lx->end - lx->p > 2 && lx->p[0] == '0' && (lx->p[1] | 0x20) == 'x';
	int digits = 0;

	if (hex)
		lx->p += 2;
	for (; lx->p < lx->end && isxdigit((unsigned char)*lx->p); lx->p++, digits++) {
		unsigned d = isdigit((unsigned char)*lx->p) ? (unsigned)(*lx->p - '0') :
			     (unsigned)((*lx->p | 0x20) - 'a' + 10);

		if (!hex && d > 9)
			break;
		if (hex ? value >> 60 != 0 : value > (uint64_t)(INT64_MAX - d) / 10) {
			report_set(err, tok->line, tok->col, "integer literal too large "
				   "(decimal at most 9223372036854775807, hex 16 digits)");
			return -1;
		}
		value = hex ? value << 4 | d : value * 10 + d;
	}
	if ((hex && digits == 0) ||
	    (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_'))) {
		report_set(err, tok->line, tok->col, "malformed number");
		return -1;
	}
	tok->kind = TOKEN_NUMBER;
	tok->number = (int64_t)value;       /* hex: all 64 bits, two's complement */
	return 0;
}

/* The punctuation that may be followed by '=' (or doubled, for && and ||). */
static enum token_kind punctuation(struct toy_lexer *lx)
{
	char c = *lx->p++;
	bool eq = lx->p < lx->end && *lx->p == '=';

	switch (c) {
	case '(': return TOKEN_LPAREN;
	case ')': return TOKEN_RPAREN;
	case '{': return TOKEN_LBRACE;
	case '}': return TOKEN_RBRACE;
	case '[': return TOKEN_LBRACKET;
	case ']': return TOKEN_RBRACKET;
	case ',': return TOKEN_COMMA;
	case ';': return TOKEN_SEMICOLON;
	case '+': return TOKEN_PLUS;
	case '-': return TOKEN_MINUS;
	case '*': return TOKEN_STAR;
	case '/': return TOKEN_SLASH;
	case '%': return TOKEN_PERCENT;
	case '=': return eq ? (lx->p++, TOKEN_EQ) : TOKEN_ASSIGN;
	case '!': return eq ? (lx->p++, TOKEN_NE) : TOKEN_BANG;
	case '<': return eq ? (lx->p++, TOKEN_LE) : TOKEN_LT;
	case '>': return eq ? (lx->p++, TOKEN_GE) : TOKEN_GT;
	case '&':
		if (lx->p < lx->end && *lx->p == '&')
			return lx->p++, TOKEN_AND;
		break;
	case '|':
		if (lx->p < lx->end && *lx->p == '|')
			return lx->p++, TOKEN_OR;
		break;
	default:
		break;
	}
	lx->p--;
	return TOKEN_END;                   /* not a token: the caller reports it */
}

int toy_next_token(struct toy_lexer *lx, struct token *tok, struct error_report *err)
{
	skip_space_and_comments(lx);
	*tok = (struct token){ .start = lx->p, .line = lx->line,
			       .col = (int)(lx->p - lx->line_start) + 1 };
	if (lx->p == lx->end) {
		tok->kind = TOKEN_END;
		return 0;
	}
	if (isdigit((unsigned char)*lx->p)) {
		if (number(lx, tok, err) != 0)
			return -1;
	} else if (isalpha((unsigned char)*lx->p) || *lx->p == '_') {
		while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_'))
			lx->p++;
		if (lx->p - tok->start > TOY_MAX_NAME) {
			report_set(err, tok->line, tok->col, "name longer than %d characters",
				   TOY_MAX_NAME);
			return -1;
		}
		tok->kind = TOKEN_NAME;
		for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
			if ((size_t)(lx->p - tok->start) == strlen(keywords[i].word) &&
			    memcmp(tok->start, keywords[i].word, lx->p - tok->start) == 0)
				tok->kind = keywords[i].kind;
	} else {
		tok->kind = punctuation(lx);
		if (tok->kind == TOKEN_END) {
			if (isprint((unsigned char)*lx->p))
				report_set(err, tok->line, tok->col, "unexpected character '%c'",
					   *lx->p);
			else
				report_set(err, tok->line, tok->col, "unexpected byte 0x%02x",
					   (unsigned char)*lx->p);
			return -1;
		}
	}
	tok->length = (int)(lx->p - tok->start);
	return 0;
}

/* --- the arena --------------------------------------------------------- */

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct toy_arena {
	struct chunk *chunks;
};

struct toy_arena *toy_arena_new(void)
{
	return calloc(1, sizeof(struct toy_arena));
}

void *toy_arena_alloc(struct toy_arena *arena, size_t size)
{
	struct chunk *c = arena->chunks;
	void *p;

	size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!c || c->size - c->used < size) {
		size_t capacity = size > 65536 ? size : 65536;

		c = malloc(sizeof(*c) + capacity);
		if (!c)
			return NULL;
		*c = (struct chunk){ .next = arena->chunks, .size = capacity };
		arena->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *toy_arena_strndup(struct toy_arena *arena, const char *s, int length)
{
	char *copy = toy_arena_alloc(arena, (size_t)length + 1);

	if (copy)
		memcpy(copy, s, length);
	return copy;
}

void toy_arena_free(struct toy_arena *arena)
{
	if (!arena)
		return;
	while (arena->chunks) {
		struct chunk *next = arena->chunks->next;

		free(arena->chunks);
		arena->chunks = next;
	}
	free(arena);
}
