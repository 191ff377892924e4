#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cpulist.h"

#define LONG_BITS (sizeof(unsigned long) * CHAR_BIT)

static int parse_number(const char **p, unsigned long *v)
{
    char *end;
    if (!isdigit((unsigned char) **p))
        return -1;
    errno = 0;
    *v = strtoul(*p, &end, 10);
    if (errno)
        return -1;
    *p = end;
    return 0;
}

int cpulist_parse(const char *s, unsigned long *bits, size_t nbits, const char **why)
{
    const char *p = s;
    memset(bits, 0, (nbits + LONG_BITS - 1) / LONG_BITS * sizeof *bits);
    while (*p) {
        unsigned long a, b;
        if (parse_number(&p, &a) < 0)
            return *why = "expected a number", -1;
        b = a;
        if (*p == '-') {
            p++;
            if (parse_number(&p, &b) < 0)
                return *why = "expected a number after '-'", -1;
            if (b < a)
                return *why = "a range must go up (\"2-5\", not \"5-2\")", -1;
        }
        if (b >= nbits)
            return *why = "number too large", -1;
        for (unsigned long i = a; i <= b; i++)
            bits[i / LONG_BITS] |= 1UL << (i % LONG_BITS);
        if (*p == ',' && p[1] == '\0')
            return *why = "trailing ','", -1;
        if (*p == ',')
            p++;
        else if (*p)
            return *why = "expected ',' or '-'", -1;
    }
    return 0;
}
