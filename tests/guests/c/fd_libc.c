// Descriptor calls through wasi-libc on fd 0, which the test makes a read-write regular file
// holding "0123456789": read/write, readv/writev, lseek, pread/pwrite, fstat, ftruncate,
// futimens, fcntl, posix_fallocate, posix_fadvise, fsync, isatty, close. Exits with the line
// number of the first failed check.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "line %d: %s (errno %d)\n", __LINE__, #cond, errno); \
            return __LINE__;                                              \
        }                                                                 \
    } while (0)

static int contents(char *out, size_t cap) {
    ssize_t n = pread(0, out, cap, 0);
    if (n >= 0) out[n] = 0;
    return (int)n;
}

int main(void) {
    char buf[256];
    struct stat st;

    // Sequential reads, end of file.
    CHECK(read(0, buf, sizeof buf) == 10);
    CHECK(memcmp(buf, "0123456789", 10) == 0);
    CHECK(read(0, buf, sizeof buf) == 0);
    CHECK(read(0, buf, 0) == 0);

    // lseek, including the errors.
    CHECK(lseek(0, 2, SEEK_SET) == 2);
    CHECK(read(0, buf, 3) == 3 && memcmp(buf, "234", 3) == 0);
    CHECK(lseek(0, 0, SEEK_CUR) == 5);
    errno = 0;
    CHECK(lseek(0, -1, SEEK_SET) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(lseek(0, -6, SEEK_CUR) == -1 && errno == EINVAL);
    CHECK(lseek(0, 0, SEEK_CUR) == 5);
    CHECK(lseek(0, -2, SEEK_END) == 8);

    // Positioned I/O keeps the offset.
    CHECK(pread(0, buf, 3, 7) == 3 && memcmp(buf, "789", 3) == 0);
    CHECK(pwrite(0, "AB", 2, 12) == 2);
    CHECK(lseek(0, 0, SEEK_CUR) == 8);
    CHECK(fstat(0, &st) == 0);
    CHECK(S_ISREG(st.st_mode) && st.st_size == 14);
    CHECK(contents(buf, sizeof buf) == 14);
    CHECK(memcmp(buf, "0123456789\0\0AB", 14) == 0);
    errno = 0;
    CHECK(pread(0, buf, 1, -1) == -1 && errno == EINVAL);

    // Scatter and gather.
    struct iovec w[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    CHECK(lseek(0, 0, SEEK_SET) == 0);
    CHECK(writev(0, w, 3) == 5);
    char x[2], y[4];
    struct iovec r[2] = {{x, 2}, {y, 4}};
    CHECK(lseek(0, 0, SEEK_SET) == 0);
    CHECK(readv(0, r, 2) == 6);
    CHECK(memcmp(x, "ab", 2) == 0 && memcmp(y, "cde5", 4) == 0);
    CHECK(preadv(0, r, 2, 10) == 4);
    CHECK(memcmp(x, "\0\0", 2) == 0 && memcmp(y, "AB", 2) == 0);
    CHECK(pwritev(0, w, 3, 1) == 5);
    CHECK(contents(buf, sizeof buf) == 14 && memcmp(buf, "aabcde6789", 10) == 0);

    // Size and times.
    CHECK(ftruncate(0, 4) == 0);
    CHECK(fstat(0, &st) == 0 && st.st_size == 4);
    struct timespec times[2] = {{1, 500}, {2, 600}};
    CHECK(futimens(0, times) == 0);
    CHECK(fstat(0, &st) == 0);
    CHECK(st.st_atim.tv_sec == 1 && st.st_atim.tv_nsec == 500);
    CHECK(st.st_mtim.tv_sec == 2 && st.st_mtim.tv_nsec == 600);
    struct timespec keep_atime[2] = {{0, UTIME_OMIT}, {7, 8}};
    CHECK(futimens(0, keep_atime) == 0);
    CHECK(fstat(0, &st) == 0);
    CHECK(st.st_atim.tv_sec == 1 && st.st_atim.tv_nsec == 500);
    CHECK(st.st_mtim.tv_sec == 7 && st.st_mtim.tv_nsec == 8);

    // Access mode and status flags.
    int fl = fcntl(0, F_GETFL);
    CHECK(fl >= 0 && (fl & O_ACCMODE) == O_RDWR && !(fl & O_APPEND));
    CHECK(fcntl(0, F_SETFL, fl | O_APPEND) == 0);
    CHECK(fcntl(0, F_GETFL) & O_APPEND);
    CHECK(lseek(0, 0, SEEK_SET) == 0);
    CHECK(write(0, "zz", 2) == 2);
    CHECK(lseek(0, 0, SEEK_CUR) == 6);
    CHECK(contents(buf, sizeof buf) == 6 && memcmp(buf, "aabczz", 6) == 0);
    CHECK(fcntl(0, F_SETFL, fl | O_NONBLOCK) == 0);
    fl = fcntl(0, F_GETFL);
    CHECK((fl & O_NONBLOCK) && !(fl & O_APPEND));
    CHECK(fcntl(0, F_SETFL, fl & ~O_NONBLOCK) == 0);
    CHECK(lseek(0, 0, SEEK_SET) == 0);
    CHECK(write(0, "Q", 1) == 1);
    CHECK(contents(buf, sizeof buf) == 6 && memcmp(buf, "Qabczz", 6) == 0);

    // Preallocation, advice, syncing.
    CHECK(posix_fallocate(0, 0, 100) == 0);
    CHECK(fstat(0, &st) == 0 && st.st_size == 100);
    CHECK(posix_fallocate(0, 0, 0) == EINVAL);
    CHECK(posix_fadvise(0, 0, 0, POSIX_FADV_SEQUENTIAL) == 0);
    CHECK(posix_fadvise(0, 0, 100, POSIX_FADV_DONTNEED) == 0);
    CHECK(fsync(0) == 0);
    CHECK(fdatasync(0) == 0);

    // A regular file is no terminal.
    errno = 0;
    CHECK(isatty(0) == 0 && errno == ENOTTY);

    // Bad descriptors.
    errno = 0;
    CHECK(read(99, buf, 1) == -1 && errno == EBADF);
    errno = 0;
    CHECK(write(99, buf, 1) == -1 && errno == EBADF);
    errno = 0;
    CHECK(lseek(99, 0, SEEK_SET) == -1 && errno == EBADF);
    errno = 0;
    CHECK(fstat(99, &st) == -1 && errno == EBADF);
    errno = 0;
    CHECK(close(99) == -1 && errno == EBADF);

    // Closing.
    CHECK(close(0) == 0);
    errno = 0;
    CHECK(read(0, buf, 1) == -1 && errno == EBADF);
    printf("fd_libc ok\n");
    return 0;
}
