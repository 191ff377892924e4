/* src/lib/json-out.c: the one JSON string escaper, into a FILE* and into a bounded buffer. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json-out.h"
#include "tap.h"

/* json_write_string into a fixed buffer (fmemopen NUL-terminates it on fclose) */
static const char *to_file(const char *s)
{
    static char buf[256];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    if (!f)
        return NULL;
    json_write_string(f, s);
    fclose(f);
    return buf;
}

static void check_file(const char *in, const char *want, const char *what)
{
    is_str(to_file(in), want, "file: %s", what);
}

static void test_file_sink(void)
{
    check_file("plain", "\"plain\"", "plain text unchanged");
    check_file("", "\"\"", "empty string");
    check_file(NULL, "\"\"", "NULL is the empty string");
    check_file("a\"b", "\"a\\\"b\"", "quote");
    check_file("a\\b", "\"a\\\\b\"", "backslash");
    check_file("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"", "short escapes");
    check_file("\x01\x1f", "\"\\u0001\\u001f\"", "other control chars as \\u00XX");
    check_file("\x7f", "\"\x7f\"", "DEL is not a control char in JSON");
    check_file("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\"",
               "UTF-8 passes through");
}

static void test_buffer_sink(void)
{
    char out[32];
    size_t n = json_escape_into(out, sizeof out, "a\"b\\c\nd\x01");
    is_str(out, "a\\\"b\\\\c\\nd\\u0001", "buffer: body without quotes");
    ok(n == strlen(out), "buffer: returns the length when it fits");

    char small[6];
    n = json_escape_into(small, sizeof small, "abcdefgh");
    is_str(small, "abcde", "buffer too small: a plain run is cut at cap - 1");
    ok(n == 8, "buffer too small: returns the whole length (%zu)", n);

    n = json_escape_into(small, sizeof small, "abc\x01");
    is_str(small, "abc", "buffer too small: an escape is never cut in half");
    ok(n == 9, "buffer too small: length counts the escape (%zu)", n);

    n = json_escape_into(small, sizeof small, "abc\xc3\xa9");
    is_str(small, "abc\xc3\xa9", "buffer exactly full with a UTF-8 sequence");
    n = json_escape_into(small, sizeof small, "abcd\xc3\xa9");
    is_str(small, "abcd", "buffer too small: a UTF-8 sequence is never cut");
    ok(n == 6, "buffer too small: length counts the sequence (%zu)", n);

    char one[1] = { 'x' };
    n = json_escape_into(one, sizeof one, "ab");
    ok(one[0] == '\0' && n == 2, "cap 1: empty string, whole length");
    ok(json_escape_into(NULL, 0, "a\"") == 3, "cap 0: only the length, nothing written");
}

int main(void)
{
    test_file_sink();
    test_buffer_sink();
    return done_testing();
}
