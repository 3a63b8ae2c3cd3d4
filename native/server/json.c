#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- output -------------------------------------------------------------------------------------- */

void sb_init(struct fb_sb *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
}

void sb_free(struct fb_sb *sb)
{
	free(sb->buf);
	sb_init(sb);
}

static bool reserve(struct fb_sb *sb, size_t extra)
{
	if (sb->oom)
		return false;
	if (sb->len + extra + 1 <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 1024;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	char *n = realloc(sb->buf, cap);
	if (!n) {
		sb->oom = true;
		return false;
	}
	sb->buf = n;
	sb->cap = cap;
	return true;
}

void sb_putc(struct fb_sb *sb, char c)
{
	if (!reserve(sb, 1))
		return;
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

static void put_mem(struct fb_sb *sb, const char *s, size_t n)
{
	if (!reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct fb_sb *sb, const char *s)
{
	put_mem(sb, s, strlen(s));
}

void sb_printf(struct fb_sb *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_jstrn(struct fb_sb *sb, const char *s, size_t n)
{
	sb_putc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':
			sb_puts(sb, "\\\"");
			break;
		case '\\':
			sb_puts(sb, "\\\\");
			break;
		case '\n':
			sb_puts(sb, "\\n");
			break;
		case '\r':
			sb_puts(sb, "\\r");
			break;
		case '\t':
			sb_puts(sb, "\\t");
			break;
		default:
			if (c < 0x20)
				sb_printf(sb, "\\u%04x", c);
			else
				sb_putc(sb, (char)c);
		}
	}
	sb_putc(sb, '"');
}

void sb_jstr(struct fb_sb *sb, const char *s)
{
	sb_jstrn(sb, s, strlen(s));
}

void sb_key(struct fb_sb *sb, const char *key)
{
	sb_jstr(sb, key);
	sb_putc(sb, ':');
}

void sb_trim_comma(struct fb_sb *sb)
{
	if (sb->len > 0 && sb->buf[sb->len - 1] == ',')
		sb->buf[--sb->len] = '\0';
}

/* ---- input --------------------------------------------------------------------------------------- */

struct parser {
	const char *p, *end;
	struct jarena *a;
	const char *err;
	int depth;
};

#define MAX_DEPTH 16

static void *arena_alloc(struct parser *ps, size_t n)
{
	size_t off = (ps->a->used + 7) & ~(size_t)7;
	if (off + n > sizeof ps->a->mem) {
		ps->err = "request too large";
		return NULL;
	}
	ps->a->used = off + n;
	return ps->a->mem + off;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static struct jval *new_val(struct parser *ps, enum jtype t)
{
	struct jval *v = arena_alloc(ps, sizeof *v);
	if (v) {
		memset(v, 0, sizeof *v);
		v->type = t;
	}
	return v;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Parses a string literal at ps->p (which is '"'); returns the decoded bytes in the arena. */
static char *parse_string(struct parser *ps, size_t *len_out)
{
	ps->p++;
	/* Decoded text is never longer than the literal. */
	const char *q = ps->p;
	while (q < ps->end && *q != '"') {
		if (*q == '\\')
			q++;
		q++;
	}
	if (q >= ps->end) {
		ps->err = "unterminated string";
		return NULL;
	}
	char *out = arena_alloc(ps, (size_t)(q - ps->p) + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	while (ps->p < ps->end && *ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p++;
		if (c < 0x20) {
			ps->err = "control character in string";
			return NULL;
		}
		if (c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		if (ps->p >= ps->end) {
			ps->err = "bad escape";
			return NULL;
		}
		char e = *ps->p++;
		switch (e) {
		case '"':
		case '\\':
		case '/':
			out[n++] = e;
			break;
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'u': {
			unsigned cp;
			if (ps->end - ps->p < 4 || hex4(ps->p, &cp) < 0) {
				ps->err = "bad \\u escape";
				return NULL;
			}
			ps->p += 4;
			/* Surrogates are not needed by any command: reject rather than mis-decode. */
			if (cp >= 0xd800 && cp <= 0xdfff) {
				ps->err = "surrogate \\u escapes are not supported";
				return NULL;
			}
			if (cp < 0x80) {
				out[n++] = (char)cp;
			} else if (cp < 0x800) {
				out[n++] = (char)(0xc0 | (cp >> 6));
				out[n++] = (char)(0x80 | (cp & 0x3f));
			} else {
				out[n++] = (char)(0xe0 | (cp >> 12));
				out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				out[n++] = (char)(0x80 | (cp & 0x3f));
			}
			break;
		}
		default:
			ps->err = "bad escape";
			return NULL;
		}
	}
	ps->p++; /* closing quote */
	out[n] = '\0';
	*len_out = n;
	return out;
}

static struct jval *parse_value(struct parser *ps);

static struct jval *parse_container(struct parser *ps, bool object)
{
	if (++ps->depth > MAX_DEPTH) {
		ps->err = "nested too deeply";
		return NULL;
	}
	struct jval *v = new_val(ps, object ? J_OBJ : J_ARR);
	if (!v)
		return NULL;
	char close = object ? '}' : ']';
	ps->p++;
	skip_ws(ps);
	struct jval **tail = &v->child;
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		if (object) {
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != '"') {
				ps->err = "expected a member name";
				return NULL;
			}
			size_t klen;
			key = parse_string(ps, &klen);
			if (!key)
				return NULL;
			for (struct jval *m = v->child; m; m = m->next)
				if (strcmp(m->key, key) == 0) {
					ps->err = "duplicate member name";
					return NULL;
				}
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				ps->err = "expected ':'";
				return NULL;
			}
			ps->p++;
		}
		struct jval *item = parse_value(ps);
		if (!item)
			return NULL;
		item->key = key;
		*tail = item;
		tail = &item->next;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return v;
		}
		ps->err = object ? "expected ',' or '}'" : "expected ',' or ']'";
		return NULL;
	}
}

static bool literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
		ps->p += n;
		return true;
	}
	return false;
}

static struct jval *parse_value(struct parser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end) {
		ps->err = "unexpected end of input";
		return NULL;
	}
	char c = *ps->p;
	if (c == '{' || c == '[')
		return parse_container(ps, c == '{');
	if (c == '"') {
		struct jval *v = new_val(ps, J_STR);
		if (v && !(v->str = parse_string(ps, &v->len)))
			return NULL;
		return v;
	}
	bool is_true = literal(ps, "true");
	if (is_true || literal(ps, "false")) {
		struct jval *v = new_val(ps, J_BOOL);
		if (v)
			v->b = is_true;
		return v;
	}
	if (literal(ps, "null"))
		return new_val(ps, J_NULL);
	if (c == '-' || (c >= '0' && c <= '9')) {
		char buf[64];
		size_t n = 0;
		while (ps->p + n < ps->end && n < sizeof buf - 1 && strchr("+-0123456789.eE", ps->p[n]))
			n++;
		memcpy(buf, ps->p, n);
		buf[n] = '\0';
		char *end;
		errno = 0;
		double d = strtod(buf, &end);
		if (errno || end != buf + n) {
			ps->err = "bad number";
			return NULL;
		}
		ps->p += n;
		struct jval *v = new_val(ps, J_NUM);
		if (v)
			v->num = d;
		return v;
	}
	ps->err = "unexpected character";
	return NULL;
}

struct jval *json_parse(const char *text, size_t len, struct jarena *a, const char **err)
{
	struct parser ps = { .p = text, .end = text + len, .a = a, .err = NULL, .depth = 0 };
	a->used = 0;
	struct jval *v = parse_value(&ps);
	if (v) {
		skip_ws(&ps);
		if (ps.p != ps.end) {
			ps.err = "trailing characters after the JSON value";
			v = NULL;
		}
	}
	if (!v)
		*err = ps.err ? ps.err : "bad JSON";
	return v;
}

const struct jval *json_get(const struct jval *obj, const char *key)
{
	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (const struct jval *m = obj->child; m; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}
