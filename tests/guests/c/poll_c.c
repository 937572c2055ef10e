// poll(), sleeps and non-blocking reads through wasi-libc on a stdin pipe the test feeds from
// another thread: the guest prints "waiting", the test writes "ping"; the guest prints
// "got ping", the test closes the pipe. Exits with the line number of the first failed check.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "line %d: %s (errno %d)\n", __LINE__, #cond, errno);  \
            return __LINE__;                                                       \
        }                                                                          \
    } while (0)

static long long now_ns(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
    char buf[64];

    // Sleeping: relative and absolute, on both clocks; at least the time asked for passes.
    long long start = now_ns(CLOCK_MONOTONIC);
    struct timespec ten_ms = {0, 10000000};
    CHECK(nanosleep(&ten_ms, NULL) == 0);
    CHECK(now_ns(CLOCK_MONOTONIC) - start >= 10000000);
    start = now_ns(CLOCK_MONOTONIC);
    CHECK(clock_nanosleep(CLOCK_REALTIME, 0, &ten_ms, NULL) == 0);
    CHECK(now_ns(CLOCK_MONOTONIC) - start >= 10000000);
    struct timespec until;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &until) == 0);
    until.tv_nsec += 20000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000;
    }
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == 0);
    CHECK(now_ns(CLOCK_MONOTONIC) >= (long long)until.tv_sec * 1000000000LL + until.tv_nsec);

    // A poll with nothing ready times out, having waited.
    struct pollfd in = {0, POLLRDNORM, 0};
    start = now_ns(CLOCK_MONOTONIC);
    CHECK(poll(&in, 1, 20) == 0);
    CHECK(now_ns(CLOCK_MONOTONIC) - start >= 20000000);
    CHECK(in.revents == 0);
    CHECK(poll(&in, 1, 0) == 0);
    // No descriptors at all: a plain sleep.
    start = now_ns(CLOCK_MONOTONIC);
    CHECK(poll(NULL, 0, 15) == 0);
    CHECK(now_ns(CLOCK_MONOTONIC) - start >= 15000000);

    // A closed descriptor is POLLNVAL, reported at once next to the others.
    struct pollfd mixed[2] = {{42, POLLRDNORM, 0}, {1, POLLWRNORM, 0}};
    CHECK(poll(mixed, 2, -1) == 2);
    CHECK(mixed[0].revents == POLLNVAL);
    CHECK(mixed[1].revents == POLLWRNORM);

    // An empty non-blocking pipe says EAGAIN.
    int fl = fcntl(0, F_GETFL);
    CHECK(fcntl(0, F_SETFL, fl | O_NONBLOCK) == 0);
    errno = 0;
    CHECK(read(0, buf, sizeof buf) == -1 && errno == EAGAIN);
    CHECK(fcntl(0, F_SETFL, fl) == 0);

    // Woken by the other thread.
    CHECK(write(1, "waiting\n", 8) == 8);
    in.revents = 0;
    CHECK(poll(&in, 1, -1) == 1);
    CHECK(in.revents == POLLRDNORM);
    CHECK(read(0, buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0);

    // The writer's close: POLLHUP, then end of file.
    CHECK(write(1, "got ping\n", 9) == 9);
    in.revents = 0;
    CHECK(poll(&in, 1, 60000) == 1);
    CHECK(in.revents & POLLHUP);
    CHECK(read(0, buf, sizeof buf) == 0);
    CHECK(write(1, "poll_c ok\n", 10) == 10);
    return 0;
}
