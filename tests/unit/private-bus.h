/* A private dbus-daemon for the unit tests that talk D-Bus (test-dbus.c, test-cgroup-systemd.c):
 * a session-type bus on a socket in /tmp that lets anyone send to and own anything. */
#ifndef TINYRUN_TEST_PRIVATE_BUS_H
#define TINYRUN_TEST_PRIVATE_BUS_H
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "util.h"

struct private_bus {
    pid_t pid;
    char sock[128], addr[160], conf[128];
};

/* Starts the daemon (tag names its files); false if it did not come up within 5 s. */
__attribute__((unused)) static bool private_bus_start(struct private_bus *b, const char *tag)
{
    snprintf(b->sock, sizeof b->sock, "/tmp/tinyrun-%s-%d.sock", tag, (int) getpid());
    snprintf(b->addr, sizeof b->addr, "unix:path=%s", b->sock);
    snprintf(b->conf, sizeof b->conf, "/tmp/tinyrun-%s-%d.conf", tag, (int) getpid());
    /* receiving needs a rule too: without one the daemon drops even the reply to Hello */
    _cleanup_free_ char *xml = xasprintf(
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
        "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig><type>session</type><listen>%s</listen><auth>EXTERNAL</auth>"
        "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
        "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n", b->addr);
    struct tr_err err;
    if (write_file(b->conf, xml, strlen(xml), 0600, &err) < 0)
        return false;
    b->pid = fork();
    if (b->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* a test that crashes must not leave it running */
        int null = open("/dev/null", O_RDWR);
        dup2(null, 1);
        dup2(null, 2);
        _cleanup_free_ char *cf = xasprintf("--config-file=%s", b->conf);
        execlp("dbus-daemon", "dbus-daemon", cf, "--nofork", "--nopidfile", (char *) NULL);
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 500 && stat(b->sock, &st) < 0; i++)
        usleep(10000);
    return stat(b->sock, &st) == 0;
}

__attribute__((unused)) static void private_bus_stop(struct private_bus *b)
{
    if (b->pid > 0) {
        kill(b->pid, SIGTERM);
        waitpid(b->pid, NULL, 0);
        b->pid = 0;
    }
    unlink(b->sock);
    unlink(b->conf);
}
#endif
