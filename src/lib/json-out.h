/* JSON string escaping, written once for every JSON the runtime writes by hand (list, logs,
 * features, stats); libocispec's yajl writer handles the state and config documents. */
#ifndef TINYRUN_JSON_OUT_H
#define TINYRUN_JSON_OUT_H
#include <stddef.h>
#include <stdio.h>

/* json_escape_each: hands the escaped body of s (no quotes) to put in pieces. Quote and
 * backslash are escaped, control bytes as \b \f \n \r \t or \u00XX; every other byte,
 * UTF-8 included, passes through unchanged. NULL is the empty string. */
typedef void (*json_put_fn)(void *ctx, const char *piece, size_t len);
void json_escape_each(const char *s, json_put_fn put, void *ctx);

/* json_write_string: s as a quoted JSON string into f. */
void json_write_string(FILE *f, const char *s);

/* json_escape_into: the escaped body of s into out (always NUL-terminated when cap > 0),
 * never cutting an escape in half. Returns the length of the whole escaped body; a result
 * >= cap means out holds a truncated prefix (as snprintf). */
size_t json_escape_into(char *out, size_t cap, const char *s);

#endif
