// Standard streams of every kind through wasi-libc. Arguments: the kinds of fd 0, 1 and 2
// (file, pipe, null or tty). Checks isatty, fstat and lseek on each, poll()s them, then copies
// stdin to stdout (one line for a tty) and writes to stderr. Exits with the line number of the
// first failed check.
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "line %d: %s (errno %d)\n", __LINE__, #cond, errno);  \
            return __LINE__;                                                       \
        }                                                                          \
    } while (0)

int main(int argc, char **argv) {
    CHECK(argc == 4);
    for (int fd = 0; fd < 3; fd++) {
        const char *kind = argv[fd + 1];
        int tty = strcmp(kind, "tty") == 0;
        int seekable = strcmp(kind, "file") == 0 || strcmp(kind, "null") == 0;
        struct stat st;
        CHECK(fstat(fd, &st) == 0);
        if (strcmp(kind, "file") == 0) CHECK(S_ISREG(st.st_mode));
        if (strcmp(kind, "null") == 0 || tty) CHECK(S_ISCHR(st.st_mode));
        if (strcmp(kind, "pipe") == 0) CHECK(!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode));
        errno = 0;
        CHECK(isatty(fd) == tty);
        if (!tty) CHECK(errno == ENOTTY);
        errno = 0;
        off_t pos = lseek(fd, 0, SEEK_CUR);
        if (seekable) {
            CHECK(pos >= 0);
        } else {
            CHECK(pos == -1 && errno == ESPIPE);
        }
    }

    // Every stream is ready: stdin has input (or its end), the others take output.
    struct pollfd fds[3] = {{0, POLLRDNORM, 0}, {1, POLLWRNORM, 0}, {2, POLLWRNORM, 0}};
    CHECK(poll(fds, 3, 60000) == 3);
    CHECK(fds[0].revents & POLLRDNORM);
    CHECK(fds[1].revents == POLLWRNORM && fds[2].revents == POLLWRNORM);

    char buf[4096];
    size_t total = 0;
    for (;;) {
        ssize_t n = read(0, buf + total, sizeof buf - total);
        CHECK(n >= 0);
        if (n == 0) break;
        total += (size_t)n;
        if (strcmp(argv[1], "tty") == 0 && buf[total - 1] == '\n') break;
    }
    CHECK(write(1, "stdin: ", 7) == 7);
    CHECK(write(1, buf, total) == (ssize_t)total);
    CHECK(write(2, "stderr ok\n", 10) == 10);
    return 0;
}
