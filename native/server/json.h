/* Minimal JSON: a string builder for our output lines, and a strict parser for control requests
 * (inputs are ours; anything malformed is rejected, never guessed at). */
#ifndef FB_JSON_H
#define FB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- output -------------------------------------------------------------------------------------- */
struct fb_sb {
	char *buf;
	size_t len, cap;
	bool oom;
};

void sb_init(struct fb_sb *sb);
void sb_free(struct fb_sb *sb);
void sb_putc(struct fb_sb *sb, char c);
void sb_puts(struct fb_sb *sb, const char *s);
void sb_printf(struct fb_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal, quoted and escaped. */
void sb_jstr(struct fb_sb *sb, const char *s);
void sb_jstrn(struct fb_sb *sb, const char *s, size_t n);
/* `"key":` */
void sb_key(struct fb_sb *sb, const char *key);
/* Drops a trailing ',' (so loops can always append one). */
void sb_trim_comma(struct fb_sb *sb);

/* ---- input --------------------------------------------------------------------------------------- */
enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype type;
	bool b;
	double num;
	char *str; /* J_STR: NUL-terminated (strlen may be shorter than len if it held \u0000) */
	size_t len;
	struct jval *child; /* J_ARR / J_OBJ: first element */
	struct jval *next; /* next sibling */
	char *key; /* member name when inside an object */
};

/* Everything a parse allocates comes from here; nothing to free. */
struct jarena {
	char mem[65536];
	size_t used;
};

/* Parses one complete JSON value (surrounding whitespace allowed). Returns NULL with *err set. */
struct jval *json_parse(const char *text, size_t len, struct jarena *a, const char **err);
/* Member of an object, or NULL. */
const struct jval *json_get(const struct jval *obj, const char *key);

#endif
