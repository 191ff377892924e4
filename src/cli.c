/* Command-line helpers shared by main.c and the verbs (see cli.h). */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli.h"
#include "util.h"

/* ---- flag parser ------------------------------------------------------------------------ */

void cli_init(struct cli_parser *p, int argc, char **argv, const struct cli_opt *opts,
              enum cli_mode mode)
{
    *p = (struct cli_parser) { .argc = argc, .argv = argv, .cmd = argc > 0 ? argv[0] : NULL,
                               .opts = opts, .mode = mode, .i = 1 };
    p->pos = xzalloc(sizeof(char *) * (size_t) (argc + 1));
}

void cli_parser_free(struct cli_parser *p)
{
    free(p->pos);
    p->pos = NULL;
}

static const struct cli_opt *find_opt(const struct cli_opt *opts, const char *name, size_t len)
{
    for (const struct cli_opt *o = opts; o->name; o++) {
        if (len == 1 && o->short_name == name[0])
            return o;
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    }
    return NULL;
}

/* Go's strconv.ParseBool spellings. */
static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
    static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (streq(s, yes[i]))
            return *out = true, 0;
        if (streq(s, no[i]))
            return *out = false, 0;
    }
    return -1;
}

int cli_next(struct cli_parser *p, const char **value, struct tr_err *err)
{
    *value = NULL;
    while (p->i < p->argc) {
        char *a = p->argv[p->i++];
        if (p->stopped || a[0] != '-' || a[1] == '\0') {
            p->pos[p->npos++] = a;
            if (p->mode == CLI_STOP_AT_ARG)
                p->stopped = true;
            continue;
        }
        if (streq(a, "--")) {
            p->stopped = true;
            continue;
        }
        const char *name = a + 1 + (a[1] == '-');
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t) (eq - name) : strlen(name);
        const struct cli_opt *o = len ? find_opt(p->opts, name, len) : NULL;
        if (!o)
            return tr_failx(err, "unknown flag %.*s; run tinyrun %s%s--help",
                            (int) (name - a + len), a, p->cmd ? p->cmd : "",
                            p->cmd ? " " : ""), CLI_ERROR;
        if (o->arg == CLI_BOOL) {
            p->bool_val = true;
            if (eq && parse_bool(eq + 1, &p->bool_val) < 0)
                return tr_failx(err, "invalid boolean value \"%s\" for flag --%s", eq + 1,
                                o->name), CLI_ERROR;
            return o->id;
        }
        if (eq) {
            *value = eq + 1;
        } else if (p->i < p->argc) {
            *value = p->argv[p->i++];
        } else {
            return tr_failx(err, "flag --%s needs a value", o->name), CLI_ERROR;
        }
        return o->id;
    }
    return CLI_END;
}

int cli_check_args(const struct cli_parser *p, size_t min, size_t max, const char *what_missing,
                   const char *usage_line, struct tr_err *err)
{
    if (p->npos < min)
        return tr_failx(err, "missing %s; usage: %s", what_missing, usage_line);
    if (p->npos > max)
        return tr_failx(err, "unexpected argument \"%s\"; usage: %s", p->pos[max], usage_line);
    return 0;
}

int cli_parse_id_only(int argc, char **argv, const char *help, const char *usage_line,
                      const char **id, struct tr_err *err)
{
    static const struct cli_opt opts[] = { CLI_OPT_HELP, CLI_OPT_END };
    struct cli_parser p;
    const char *val;
    int opt, rc = -1;

    cli_init(&p, argc, argv, opts, CLI_PERMUTE);
    while ((opt = cli_next(&p, &val, err)) >= 0) {
        if (opt == CLI_HELP) {
            rc = cli_help(help) + 1;
            goto out;
        }
    }
    if (opt == CLI_ERROR || cli_check_args(&p, 1, 1, "container ID", usage_line, err) < 0)
        goto out;
    *id = p.pos[0];
    rc = 0;
out:
    cli_parser_free(&p);
    return rc;
}

/* ---- signals ---------------------------------------------------------------------------- */

static const struct { const char *name; int sig; } signal_names[] = {
    { "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
    { "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
    { "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
    { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
    { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CLD", SIGCHLD }, { "CONT", SIGCONT },
    { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
    { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
    { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL },
    { "PWR", SIGPWR }, { "SYS", SIGSYS },
};

/* "RTMIN", "RTMIN+3", "RTMAX-2" (name without SIG, any case). */
static int parse_rt_signal(const char *n, int *sig)
{
    int base, dir;
    if (strncasecmp(n, "RTMIN", 5) == 0)
        base = SIGRTMIN, dir = 1;
    else if (strncasecmp(n, "RTMAX", 5) == 0)
        base = SIGRTMAX, dir = -1;
    else
        return -1;
    n += 5;
    if (*n == '\0')
        return *sig = base, 0;
    if (*n != (dir > 0 ? '+' : '-') || !isdigit((unsigned char) n[1]))
        return -1;
    int off;
    if (parse_int(n + 1, &off) < 0)
        return -1;
    int s = base + dir * off;
    if (s < SIGRTMIN || s > SIGRTMAX)
        return -1;
    return *sig = s, 0;
}

int cli_parse_signal(const char *s, int *sig, struct tr_err *err)
{
    int n;
    if (s[0] && isdigit((unsigned char) s[0])) {
        if (parse_int(s, &n) < 0 || n > SIGRTMAX)
            return tr_failx(err, "invalid signal number \"%s\" (0..%d)", s, SIGRTMAX);
        return *sig = n, 0;
    }
    const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
    for (size_t i = 0; i < ARRAY_SIZE(signal_names); i++)
        if (strcasecmp(name, signal_names[i].name) == 0)
            return *sig = signal_names[i].sig, 0;
    if (parse_rt_signal(name, sig) == 0)
        return 0;
    return tr_failx(err, "unknown signal \"%s\" (a number, or a name such as TERM, SIGKILL, "
                    "RTMIN+3)", s);
}

/* ---- users, sizes, durations ------------------------------------------------------------ */

static int parse_u32(const char *s, uint32_t *out)
{
    uint64_t v;
    if (!s[0] || !isdigit((unsigned char) s[0]) || parse_u64(s, &v) < 0 || v > UINT32_MAX)
        return -1;
    *out = (uint32_t) v;
    return 0;
}

int cli_parse_user(const char *s, uint32_t *uid, uint32_t *gid, bool *has_gid, struct tr_err *err)
{
    _cleanup_free_ char *copy = xstrdup(s);
    char *colon = strchr(copy, ':');
    if (colon)
        *colon = '\0';
    *has_gid = colon != NULL;
    if (parse_u32(copy, uid) < 0 || (colon && parse_u32(colon + 1, gid) < 0))
        return tr_failx(err, "invalid user \"%s\": expected <uid>[:<gid>] in decimal", s);
    return 0;
}

/* The number part as go-units' RAMInBytes pattern has it: digits, optionally "." digits
 * (no signs, exponents or hex, which strtold alone would take). */
static const char *scan_decimal(const char *p)
{
    const char *start = p;
    while (isdigit((unsigned char) *p))
        p++;
    if (p == start)
        return NULL;
    if (*p == '.') {
        const char *frac = ++p;
        while (isdigit((unsigned char) *p))
            p++;
        if (p == frac)
            return NULL;
    }
    return p;
}

int cli_parse_bytes(const char *s, int64_t *out, struct tr_err *err)
{
    if (streq(s, "-1"))
        return *out = -1, 0;
    const char *p = scan_decimal(s);
    if (!p || p - s > 64)
        goto bad;
    char num[72];
    memcpy(num, s, (size_t) (p - s));
    num[p - s] = '\0';
    long double v = strtold(num, NULL);
    if (*p == ' ')
        p++;
    long double mult = 1;
    const char *units = "kmgtp";
    const char *u = *p ? strchr(units, tolower((unsigned char) *p)) : NULL;
    if (u) {
        for (const char *k = units; k <= u; k++)
            mult *= 1024;
        p++;
    }
    if (*p == 'i' || *p == 'I') {
        if (!u)
            goto bad;
        p++;
    }
    if (*p == 'b' || *p == 'B')
        p++;
    if (*p != '\0')
        goto bad;
    v *= mult;
    if (v > (long double) INT64_MAX)
        goto bad;
    *out = (int64_t) v;
    return 0;
bad:
    return tr_failx(err, "invalid size \"%s\" (bytes, or a number with a unit: 512k, 64m, 1g)", s);
}

int cli_parse_duration_sec(const char *s, int *sec, struct tr_err *err)
{
    static const struct { const char *unit; long double ns; } units[] = {
        { "ns", 1 }, { "us", 1e3 }, { "µs", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 },
        { "h", 3600e9 },
    };
    long double total = 0;
    const char *p = s;
    uint64_t plain;
    if (parse_u64(s, &plain) == 0 && plain > 0 && plain <= INT_MAX)
        return *sec = (int) plain, 0;
    if (!*p)
        goto bad;
    while (*p) {
        /* Go's number syntax here: digits, optional "." and digits, at least one digit */
        const char *start = p;
        size_t digits = 0;
        for (; isdigit((unsigned char) *p); p++)
            digits++;
        if (*p == '.')
            for (p++; isdigit((unsigned char) *p); p++)
                digits++;
        if (!digits || p - start > 64)
            goto bad;
        char num[72];
        memcpy(num, start, (size_t) (p - start));
        num[p - start] = '\0';
        long double v = strtold(num, NULL);
        size_t best = 0, k_best = ARRAY_SIZE(units);
        for (size_t k = 0; k < ARRAY_SIZE(units); k++) {
            size_t ul = strlen(units[k].unit);
            if (strncmp(p, units[k].unit, ul) == 0 && ul > best)
                best = ul, k_best = k;
        }
        if (k_best == ARRAY_SIZE(units))
            goto bad;
        total += v * units[k_best].ns;
        p += best;
    }
    long double secs = total / 1e9;
    if (secs <= 0 || secs > INT_MAX)
        goto bad;
    *sec = (int) secs;
    if ((long double) *sec < secs)
        (*sec)++;
    return 0;
bad:
    return tr_failx(err, "invalid duration \"%s\" (a positive Go duration such as 5s, 1m, 500ms)",
                    s);
}

int cli_parse_nonneg_int(const char *flag, const char *s, int *out, struct tr_err *err)
{
    if (!isdigit((unsigned char) s[0]) || parse_int(s, out) < 0 || *out < 0)
        return tr_failx(err, "invalid value \"%s\" for --%s: expected a non-negative integer",
                        s, flag);
    return 0;
}

/* ---- update flags ----------------------------------------------------------------------- */

static int flag_u64(const char *flag, const char *s, uint64_t *out, struct tr_err *err)
{
    if (!isdigit((unsigned char) s[0]) || parse_u64(s, out) < 0)
        return tr_failx(err, "invalid value for --%s: \"%s\" is not an unsigned integer", flag, s);
    return 0;
}

static int flag_i64(const char *flag, const char *s, int64_t *out, struct tr_err *err)
{
    uint64_t v;
    bool neg = s[0] == '-';
    if (!isdigit((unsigned char) s[neg]) || parse_u64(s + neg, &v) < 0 ||
        v > (uint64_t) INT64_MAX)
        return tr_failx(err, "invalid value for --%s: \"%s\" is not an integer", flag, s);
    *out = neg ? -(int64_t) v : (int64_t) v;
    return 0;
}

static int flag_bytes(const char *flag, const char *s, bool *has, int64_t *out,
                      struct tr_err *err)
{
    if (!s)
        return 0;
    if (cli_parse_bytes(s, out, err) < 0)
        return tr_prefix(err, "invalid value for --%s", flag);
    *has = true;
    return 0;
}

static int memory_from_flags(const struct cli_update_flags *f, struct oci_memory *m,
                             struct tr_err *err)
{
    if (flag_bytes("memory", f->memory, &m->has_limit, &m->limit, err) < 0 ||
        flag_bytes("memory-reservation", f->memory_reservation, &m->has_reservation,
                   &m->reservation, err) < 0 ||
        flag_bytes("memory-swap", f->memory_swap, &m->has_swap, &m->swap, err) < 0 ||
        flag_bytes("kernel-memory", f->kernel_memory, &m->has_kernel, &m->kernel, err) < 0 ||
        flag_bytes("kernel-memory-tcp", f->kernel_memory_tcp, &m->has_kernel_tcp,
                   &m->kernel_tcp, err) < 0)
        return -1;
    return 0;
}

static int cpu_from_flags(const struct cli_update_flags *f, struct oci_cpu *c, struct tr_err *err)
{
    if (f->cpu_shares && flag_u64("cpu-share", f->cpu_shares, &c->shares, err) < 0)
        return -1;
    c->has_shares = f->cpu_shares != NULL;
    if (f->cpu_quota && flag_i64("cpu-quota", f->cpu_quota, &c->quota, err) < 0)
        return -1;
    c->has_quota = f->cpu_quota != NULL;
    if (f->cpu_period && flag_u64("cpu-period", f->cpu_period, &c->period, err) < 0)
        return -1;
    c->has_period = f->cpu_period != NULL;
    if (f->cpu_rt_runtime &&
        flag_i64("cpu-rt-runtime", f->cpu_rt_runtime, &c->realtime_runtime, err) < 0)
        return -1;
    c->has_realtime_runtime = f->cpu_rt_runtime != NULL;
    if (f->cpu_rt_period &&
        flag_u64("cpu-rt-period", f->cpu_rt_period, &c->realtime_period, err) < 0)
        return -1;
    c->has_realtime_period = f->cpu_rt_period != NULL;
    if (f->cpuset_cpus)
        c->cpus = xstrdup(f->cpuset_cpus);
    if (f->cpuset_mems)
        c->mems = xstrdup(f->cpuset_mems);
    return 0;
}

struct oci_resources *cli_resources_from_flags(const struct cli_update_flags *f, struct tr_err *err)
{
    struct oci_resources *r = xzalloc(sizeof *r);
    if (f->memory || f->memory_reservation || f->memory_swap || f->kernel_memory ||
        f->kernel_memory_tcp) {
        r->memory = xzalloc(sizeof *r->memory);
        if (memory_from_flags(f, r->memory, err) < 0)
            goto fail;
    }
    if (f->cpu_shares || f->cpu_quota || f->cpu_period || f->cpu_rt_runtime || f->cpu_rt_period ||
        f->cpuset_cpus || f->cpuset_mems) {
        r->cpu = xzalloc(sizeof *r->cpu);
        if (cpu_from_flags(f, r->cpu, err) < 0)
            goto fail;
    }
    if (f->pids_limit) {
        if (flag_i64("pids-limit", f->pids_limit, &r->pids_limit, err) < 0)
            goto fail;
        r->has_pids_limit = true;
    }
    if (f->blkio_weight) {
        uint64_t w;
        if (flag_u64("blkio-weight", f->blkio_weight, &w, err) < 0)
            goto fail;
        if (w > UINT16_MAX) {
            tr_failx(err, "invalid value for --blkio-weight: %s is out of range (10..1000)",
                     f->blkio_weight);
            goto fail;
        }
        r->block_io = xzalloc(sizeof *r->block_io);
        r->block_io->has_weight = true;
        r->block_io->weight = (uint16_t) w;
    }
    return r;
fail:
    oci_resources_free(r);
    return NULL;
}

/* ---- output ----------------------------------------------------------------------------- */

void cli_table_init(struct cli_table *t, size_t ncols)
{
    *t = (struct cli_table) { .ncols = ncols };
}

void cli_table_add(struct cli_table *t, const char *const *row)
{
    t->cells = xrealloc(t->cells, sizeof(char *) * t->ncols * (t->nrows + 1));
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = xstrdup(row[c] ? row[c] : "");
    t->nrows++;
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
    _cleanup_free_ size_t *width = xzalloc(sizeof(size_t) * (t->ncols + 1));
    for (size_t c = 0; c < t->ncols; c++) {
        width[c] = 12;
        for (size_t r = 0; r < t->nrows; r++) {
            size_t w = strlen(t->cells[r * t->ncols + c]) + 3;
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            if (c + 1 < t->ncols)
                fprintf(f, "%-*s", (int) width[c], cell);
            else
                fprintf(f, "%s\n", cell);
        }
    }
}

void cli_table_free(struct cli_table *t)
{
    for (size_t i = 0; i < t->ncols * t->nrows; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->nrows = 0;
}

void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *) (s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

int cli_help(const char *text)
{
    fputs(text, stdout);
    return 0;
}
