/* The PSI parser (cgroup/psi.c) against samples of the kernel's pressure files. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include "cgroup/psi.h"
#include "tap.h"

static bool near(double a, double b) { return fabs(a - b) < 1e-9; }

int main(void)
{
    struct cg_psi p;
    ok(cg_psi_parse("some avg10=1.25 avg60=0.50 avg300=0.07 total=123456\n"
                    "full avg10=0.75 avg60=0.00 avg300=0.01 total=9876543210\n", &p) == 0, "memory.pressure sample parses");
    ok(p.some.present && near(p.some.avg10, 1.25) && near(p.some.avg60, 0.5) && near(p.some.avg300, 0.07)
       && p.some.total == 123456, "some: avg10 avg60 avg300 total");
    ok(p.full.present && near(p.full.avg10, 0.75) && p.full.total == 9876543210ULL, "full: avg10 and a 64-bit total");
    ok(cg_psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &p) == 0 && !p.full.present,
       "cpu.pressure before 5.13: no full line");
    ok(cg_psi_parse("some avg10=100.00 avg60=99.99 avg300=42.00 total=18446744073709551615", &p) == 0
       && near(p.some.avg10, 100.0) && p.some.total == UINT64_MAX, "no final newline; 100%% and the largest total");
    ok(cg_psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=5 newfield=1\n", &p) == 0 && p.some.total == 5,
       "a field after total is ignored");
    ok(cg_psi_parse("", &p) < 0, "empty file refused");
    ok(cg_psi_parse("some avg10=x avg60=0.00 avg300=0.00 total=0\n", &p) < 0, "garbage refused");
    ok(cg_psi_parse("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &p) < 0, "full without some refused");
    ok(cg_psi_parse("some avg10=0.00 avg60=0.00\n", &p) < 0, "truncated line refused");
    return done_testing();
}
