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

int cli_check_count(char *const *args, size_t nargs, size_t min, size_t max,
                    const char *what_missing, const char *usage_line, struct tr_err *err)
{
    if (nargs < min)
        return tr_failx(err, "missing %s; usage: %s", what_missing, usage_line);
    if (nargs > max)
        return tr_failx(err, "unexpected argument \"%s\"; usage: %s", args[max], usage_line);
    return 0;
}

int cli_check_args(const struct cli_parser *p, size_t min, size_t max, const char *what_missing,
                   const char *usage_line, struct tr_err *err)
{
    return cli_check_count(p->pos, p->npos, min, max, what_missing, usage_line, err);
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

/* ---- sizes, durations ------------------------------------------------------------------- */

/* A decimal number at p into *v, and the end of it (NULL if there is none). Sizes take
 * go-units' RAMInBytes pattern: digits, optionally "." and digits; durations take Go's
 * time.ParseDuration one: digits and "." with at least one digit anywhere ("5.", ".5"). No
 * signs, exponents or hex, which strtold alone would take. */
static const char *read_decimal(const char *p, bool go_duration, long double *v)
{
    const char *start = p;
    size_t int_digits = 0, frac_digits = 0;
    for (; isdigit((unsigned char) *p); p++)
        int_digits++;
    if (*p == '.') {
        for (p++; isdigit((unsigned char) *p); p++)
            frac_digits++;
        if (!go_duration && !frac_digits)
            return NULL;
    }
    if (go_duration ? int_digits + frac_digits == 0 : int_digits == 0)
        return NULL;
    if (p - start > 64)
        return NULL;
    char num[72];
    memcpy(num, start, (size_t) (p - start));
    num[p - start] = '\0';
    *v = strtold(num, NULL);
    return p;
}

int cli_parse_bytes(const char *s, int64_t *out, struct tr_err *err)
{
    if (streq(s, "-1"))
        return *out = -1, 0;
    long double v;
    const char *p = read_decimal(s, false, &v);
    if (!p)
        goto bad;
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
        long double v;
        p = read_decimal(p, true, &v);
        if (!p)
            goto bad;
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

int cli_check_format(const char *format, struct tr_err *err)
{
    if (!streq(format, "table") && !streq(format, "json"))
        return tr_failx(err, "invalid format option \"%s\": expected table or json", format);
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

/* ---- option tables ---------------------------------------------------------------------- */

static bool flag_is_text(const struct cli_flag *fl)
{
    return fl->type == CLI_T_TEXT;
}

bool cli_flag_takes_value(const struct cli_flag *fl)
{
    switch (fl->type) {
    case CLI_T_STRING: case CLI_T_STRINGS: case CLI_T_NONNEG_INT: case CLI_T_DURATION:
    case CLI_T_IGNORED_VALUE:
        return true;
    case CLI_T_FUNC:
        return !fl->is_bool;
    case CLI_T_BOOL: case CLI_T_IGNORED_BOOL: case CLI_T_TEXT:
        return false;
    }
    return false;
}

static bool has_own_help(const struct cli_flag *flags)
{
    for (const struct cli_flag *fl = flags; fl && fl->name; fl++)
        if (!flag_is_text(fl) && streq(fl->name, "help"))
            return true;
    return false;
}

/* The parser's view of a table: cli_opt ids are indexes into flags; --help/-h last (a table's
 * own "help" entry comes first and wins). */
static struct cli_opt *opts_of(const struct cli_flag *flags)
{
    size_t n = 0;
    while (flags && flags[n].name)
        n++;
    struct cli_opt *o = xzalloc(sizeof *o * (n + 2)), *q = o;
    for (size_t i = 0; i < n; i++)
        if (!flag_is_text(&flags[i]))
            *q++ = (struct cli_opt) { flags[i].name, flags[i].short_name,
                                      cli_flag_takes_value(&flags[i]) ? CLI_VALUE : CLI_BOOL,
                                      (int) i };
    *q = (struct cli_opt) CLI_OPT_HELP;
    return o;
}

static void push_string(char ***v, size_t *n, const char *s)
{
    *v = xrealloc(*v, sizeof(char *) * (*n + 2));
    (*v)[(*n)++] = (char *) s;
    (*v)[*n] = NULL;
}

static int apply_flag(const struct cli_flag *fl, const char *val, bool bval, void *target,
                      struct tr_err *err)
{
    char *t = target;
    switch (fl->type) {
    case CLI_T_BOOL: *(bool *) (void *) (t + fl->off) = bval; return 0;
    case CLI_T_STRING: *(const char **) (void *) (t + fl->off) = val; return 0;
    case CLI_T_STRINGS:
        push_string((char ***) (void *) (t + fl->off), (size_t *) (void *) (t + fl->off2), val);
        return 0;
    case CLI_T_NONNEG_INT:
        return cli_parse_nonneg_int(fl->name, val, (int *) (void *) (t + fl->off), err);
    case CLI_T_DURATION: return cli_parse_duration_sec(val, (int *) (void *) (t + fl->off), err);
    case CLI_T_FUNC: return fl->set(target, val, err);
    case CLI_T_IGNORED_BOOL: case CLI_T_IGNORED_VALUE: case CLI_T_TEXT: return 0;
    }
    return 0;
}

int cli_flags_parse(const struct cli_flag *flags, struct cli_parser *p, void *target,
                    struct tr_err *err)
{
    _cleanup_free_ struct cli_opt *opts = opts_of(flags);
    const char *val;
    int id;
    p->opts = opts;
    while ((id = cli_next(p, &val, err)) >= 0) {
        if (id == CLI_HELP)
            break;
        if (apply_flag(&flags[id], val, p->bool_val, target, err) < 0) {
            id = CLI_ERROR;
            break;
        }
    }
    p->opts = NULL;
    return id == CLI_HELP ? 1 : id == CLI_END ? 0 : -1;
}

int cli_verb_parse(const struct cli_verb *v, struct cli_parser *p, int argc, char **argv,
                   void *target, struct tr_err *err)
{
    cli_init(p, argc, argv, NULL, v->mode);
    int r = cli_flags_parse(v->flags, p, target, err);
    if (r == 1) {
        cli_verb_help(stdout, v);
        return 1;
    }
    if (r < 0 || cli_check_args(p, v->min_args, v->max_args, v->what_missing, v->usage_line,
                                err) < 0)
        return -1;
    return 0;
}

int cli_verb_main(const struct cli_verb *v, int argc, char **argv, const struct tr_ctx *ctx,
                  struct tr_err *err)
{
    _cleanup_cli_parser_ struct cli_parser p;
    _cleanup_free_ void *opts = xzalloc(v->opts_size ? v->opts_size : 1);
    if (v->defaults)
        memcpy(opts, v->defaults, v->opts_size);
    int r = cli_verb_parse(v, &p, argc, argv, opts, err);
    if (r == 0)
        r = v->run(ctx, opts, p.pos, p.npos, err);
    else
        r = r > 0 ? 0 : CMD_USAGE;
    if (v->free_opts)
        v->free_opts(opts);
    return r;
}

/* "--bundle value, -b value" */
static size_t flag_label(const struct cli_flag *fl, char *buf, size_t cap)
{
    const char *arg = cli_flag_takes_value(fl) ? " value" : "";
    int n = fl->short_name ? snprintf(buf, cap, "--%s%s, -%c%s", fl->name, arg, fl->short_name, arg)
                           : snprintf(buf, cap, "--%s%s", fl->name, arg);
    return n < 0 ? 0 : (size_t) n;
}

void cli_flags_help(FILE *f, const struct cli_flag *flags, const char *default_root)
{
    char label[128];
    for (const struct cli_flag *g = flags; g && g->name;) {
        if (flag_is_text(g)) {
            fputs(g->help, f);
            g++;
            continue;
        }
        size_t width = 0;
        const struct cli_flag *end = g;
        for (; end->name && !flag_is_text(end); end++)
            if (end->help && flag_label(end, label, sizeof label) > width)
                width = flag_label(end, label, sizeof label);
        for (; g < end; g++) {
            if (!g->help)
                continue;
            flag_label(g, label, sizeof label);
            fprintf(f, "   %-*s  %s", (int) width, label, g->help);
            if (default_root && streq(g->name, "root"))
                fprintf(f, " (default: \"%s\")", default_root);
            fputc('\n', f);
        }
    }
}

void cli_verb_help(FILE *f, const struct cli_verb *v)
{
    fputs(v->help_head, f);
    cli_flags_help(f, v->flags, NULL);
}

/* ---- completion ------------------------------------------------------------------------- */

/* The words of a table: "--name" (and "-n" with with_short), --help/-h last unless the table
 * has its own; each followed by term. */
static void list_flags(FILE *f, const struct cli_flag *flags, bool with_short, const char *term)
{
    for (const struct cli_flag *fl = flags; fl && fl->name; fl++) {
        if (flag_is_text(fl))
            continue;
        fprintf(f, "--%s%s", fl->name, term);
        if (with_short && fl->short_name)
            fprintf(f, "-%c%s", fl->short_name, term);
    }
    if (!has_own_help(flags))
        fprintf(f, "--help%s%s%s", term, with_short ? "-h" : "", with_short ? term : "");
}

/* Value flags, "--a|-a|--b" for a case pattern (empty: none). */
static void value_flags_pattern(FILE *f, const struct cli_flag *flags)
{
    const char *sep = "";
    for (const struct cli_flag *fl = flags; fl && fl->name; fl++) {
        if (flag_is_text(fl) || !cli_flag_takes_value(fl))
            continue;
        fprintf(f, "%s--%s", sep, fl->name);
        sep = "|";
        if (fl->short_name)
            fprintf(f, "|-%c", fl->short_name);
    }
}

/* The shell loop that finds the verb: the first word that is neither a flag nor a global flag's
 * value. words/first/end name the shell's word array, first index and cursor index. */
static void print_verb_scan(FILE *f, const struct cli_flag *globals, const char *words,
                            const char *first, const char *end)
{
    fprintf(f, "    for ((i = %s; i < %s; i++)); do\n"
               "        case ${%s[i]} in\n"
               "        *=*) ;;\n        ", first, end, words);
    value_flags_pattern(f, globals);
    fprintf(f, ") i=$((i + 1)) ;;\n"  /* a global flag's value is not the verb */
               "        -*) ;;\n"
               "        *) verb=${%s[i]}; break ;;\n"
               "        esac\n"
               "    done\n", words);
}

/* "case $verb in" arms setting the candidate words: open/close wrap the list (words="..."). */
static void print_word_cases(FILE *f, const struct cli_verb *const *verbs, size_t nverbs,
                             const struct cli_flag *globals, const char *open, const char *close)
{
    fprintf(f, "    case $verb in\n    '') %s", open);
    list_flags(f, globals, true, " ");
    for (size_t i = 0; i < nverbs; i++)
        fprintf(f, "%s ", verbs[i]->name);
    fprintf(f, "help%s ;;\n", close);
    for (size_t i = 0; i < nverbs; i++) {
        fprintf(f, "    %s) %s", verbs[i]->name, open);
        list_flags(f, verbs[i]->flags, true, " ");
        fprintf(f, "%s ;;\n", close);
    }
}

/* What differs between the bash and the zsh script; the rest is one shape. */
struct shell_script {
    const char *name;
    const char *magic;          /* first line: zsh's compinit reads "#compdef" there */
    const char *head;           /* up to the verb scan */
    const char *words, *first, *end;    /* the shell's word array, first index, cursor index */
    const char *decl, *open, *close;    /* the candidates variable and its list syntax */
    const char *tail;           /* after the verb cases */
};

static const struct shell_script bash_script = {
    "bash", "", "_tinyrun() {\n    local cur=${COMP_WORDS[COMP_CWORD]} verb= i\n",
    "COMP_WORDS", "1", "COMP_CWORD", "    local words\n", "words=\"", "\"",
    "    *) words= ;;\n"
    "    esac\n"
    "    if [[ -z $verb || $cur == -* ]]; then\n"
    "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
    "    else\n"
    "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
    "    fi\n"
    "}\n"
    "complete -F _tinyrun tinyrun\n",
};

/* zsh: an autoloaded #compdef file; files for a verb's other arguments. */
static const struct shell_script zsh_script = {
    "zsh", "#compdef tinyrun\n", "_tinyrun() {\n    local verb= i\n",
    "words", "2", "CURRENT", "    local -a w\n", "w=(", ")",
    "    esac\n"
    "    if [[ -z $verb || $PREFIX == -* ]]; then\n"
    "        compadd -- $w\n"
    "    else\n"
    "        _files\n"
    "    fi\n"
    "}\n"
    "_tinyrun \"$@\"\n",
};

static void print_script(FILE *f, const struct shell_script *sh, const struct cli_verb *const *verbs,
                         size_t nverbs, const struct cli_flag *globals)
{
    fputs(sh->magic, f);
    fprintf(f, "# %s completion for tinyrun: generated by `tinyrun __complete %s` from the\n"
               "# verbs' option tables (src/cmd-*.c, src/main.c); do not edit.\n", sh->name, sh->name);
    fputs(sh->head, f);
    print_verb_scan(f, globals, sh->words, sh->first, sh->end);
    fputs(sh->decl, f);
    print_word_cases(f, verbs, nverbs, globals, sh->open, sh->close);
    fputs(sh->tail, f);
}

int cli_complete(int argc, char **argv, const struct cli_verb *const *verbs, size_t nverbs,
                 const struct cli_flag *globals, FILE *f, struct tr_err *err)
{
    const char *what = argc > 1 ? argv[1] : "";
    if ((streq(what, "bash") || streq(what, "zsh")) && argc == 2) {
        print_script(f, streq(what, "bash") ? &bash_script : &zsh_script, verbs, nverbs, globals);
        return 0;
    }
    if (streq(what, "verbs") && argc == 2) {
        for (size_t i = 0; i < nverbs; i++)
            fprintf(f, "%s\n", verbs[i]->name);
        return 0;
    }
    if (streq(what, "flags") && argc <= 3) {
        const struct cli_flag *flags = globals;
        if (argc == 3) {
            size_t i = 0;
            while (i < nverbs && !streq(verbs[i]->name, argv[2]))
                i++;
            if (i == nverbs)
                return tr_failx(err, "unknown command \"%s\"", argv[2]), CMD_USAGE;
            flags = verbs[i]->flags;
        }
        list_flags(f, flags, false, "\n");
        return 0;
    }
    return tr_failx(err, "usage: tinyrun __complete bash | zsh | verbs | flags [VERB]"), CMD_USAGE;
}
