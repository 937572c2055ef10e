// The sandboxed filesystem as wasi-libc sees it, with /sandbox read-write and /ro read-only
// (tree in tests/tests/fs_guests.rs). Exits with the line number of the first failed check;
// when all pass, prints `checks passed: N` last.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

// Checks run so far: the last line printed says how many passed, so the test can tell a
// guest that finished from one that stopped early with status 0.
static unsigned checks;
#define CHECK(cond) do { checks++; if (!(cond)) return __LINE__; } while (0)
// The call fails with errno `e`.
#define FAILS(call, e) do { errno = 0; CHECK((call) == -1 && errno == (e)); } while (0)

static int fails_open(const char *path, int flags, int e) {
    errno = 0;
    int fd = open(path, flags, 0644);
    if (fd >= 0) close(fd);
    return fd == -1 && errno == e;
}

int main(void) {
    struct stat st, lst;
    char buf[64];

    // open with its flags.
    int fd = open("/sandbox/c.txt", O_CREAT | O_EXCL | O_WRONLY, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "abc", 3) == 3);
    CHECK(close(fd) == 0);
    CHECK(fails_open("/sandbox/c.txt", O_CREAT | O_EXCL | O_WRONLY, EEXIST));
    fd = open("/sandbox/c.txt", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "def", 3) == 3 && close(fd) == 0);
    fd = open("/sandbox/c.txt", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 6 && memcmp(buf, "abcdef", 6) == 0);
    CHECK(write(fd, "x", 1) == -1);  // no write right (the errno is fd_write's business)
    CHECK(close(fd) == 0);
    fd = open("/sandbox/c.txt", O_RDWR | O_TRUNC);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0 && close(fd) == 0);
    CHECK(fails_open("/sandbox/c.txt", O_RDONLY | O_DIRECTORY, ENOTDIR));
    CHECK(fails_open("/sandbox/c.txt/", O_RDONLY, ENOTDIR));
    CHECK(fails_open("/sandbox/dir", O_WRONLY, EISDIR));
    CHECK(fails_open("/sandbox/missing", O_RDONLY, ENOENT));
    CHECK(fails_open("/sandbox/abs_link", O_RDONLY | O_NOFOLLOW, ELOOP));
    fd = open("/sandbox/dir", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    CHECK(fstatat(fd, "inner", &st, 0) == 0 && st.st_size == 5);
    FAILS(fstatat(fd, "../file", &st, 0), ENOTCAPABLE);
    CHECK(close(fd) == 0);

    // stat and lstat, times to the nanosecond.
    CHECK(symlink("c.txt", "/sandbox/c.link") == 0);
    CHECK(stat("/sandbox/c.link", &st) == 0 && lstat("/sandbox/c.link", &lst) == 0);
    CHECK(S_ISREG(st.st_mode) && S_ISLNK(lst.st_mode) && st.st_ino != lst.st_ino);
    CHECK(lst.st_size == 5);
    ssize_t n = readlink("/sandbox/c.link", buf, sizeof buf);
    CHECK(n == 5 && memcmp(buf, "c.txt", 5) == 0);
    CHECK(readlink("/sandbox/c.link", buf, 3) == 3 && memcmp(buf, "c.t", 3) == 0);
    FAILS(readlink("/sandbox/c.txt", buf, sizeof buf), EINVAL);
    struct timespec times[2] = {{1000, 1}, {2000, 999999999}};
    CHECK(utimensat(AT_FDCWD, "/sandbox/c.link", times, 0) == 0);
    CHECK(stat("/sandbox/c.txt", &st) == 0);
    CHECK(st.st_atim.tv_sec == 1000 && st.st_atim.tv_nsec == 1);
    CHECK(st.st_mtim.tv_sec == 2000 && st.st_mtim.tv_nsec == 999999999);
    // The link's own access time only (fd 3 is /sandbox). Straight to the host call: this
    // wasi-libc's utimensat refuses UTIME_OMIT with EINVAL before reaching the host.
    CHECK(__wasi_path_filestat_set_times(3, 0, "c.link", 5000000001ull, 0,
                                         __WASI_FSTFLAGS_ATIM) == 0);
    CHECK(lstat("/sandbox/c.link", &lst) == 0 && lst.st_atim.tv_sec == 5);
    CHECK(stat("/sandbox/c.txt", &st) == 0 && st.st_atim.tv_sec == 1000 && st.st_mtim.tv_sec == 2000);

    // Directories, links, renames, removal.
    CHECK(mkdir("/sandbox/cd", 0755) == 0);
    FAILS(mkdir("/sandbox/cd", 0755), EEXIST);
    CHECK(mkdir("/sandbox/cd/sub/", 0755) == 0);
    FAILS(rmdir("/sandbox/cd"), ENOTEMPTY);
    FAILS(unlink("/sandbox/cd"), EISDIR);
    FAILS(rmdir("/sandbox/c.txt"), ENOTDIR);
    CHECK(link("/sandbox/c.txt", "/sandbox/cd/hard") == 0);
    CHECK(stat("/sandbox/c.txt", &st) == 0 && st.st_nlink == 2);
    CHECK(rename("/sandbox/cd/hard", "/sandbox/cd/sub/moved") == 0);
    CHECK(rename("/sandbox/cd/sub", "/sandbox/cd/sub2") == 0);
    CHECK(access("/sandbox/cd/sub2/moved", F_OK) == 0);
    FAILS(rename("/sandbox/cd", "/sandbox/cd/sub2/inside"), EINVAL);
    CHECK(unlink("/sandbox/cd/sub2/moved") == 0);
    CHECK(rmdir("/sandbox/cd/sub2") == 0 && rmdir("/sandbox/cd") == 0);
    CHECK(unlink("/sandbox/c.link") == 0 && unlink("/sandbox/c.txt") == 0);

    // Escapes.
    const char *out[] = {
        "/sandbox/../outside/secret", "/sandbox/abs_link", "/sandbox/rel_link",
        "/sandbox/abs_dir_link/secret", "/sandbox/dir/deep_link/secret",
    };
    for (unsigned i = 0; i < sizeof out / sizeof *out; i++) {
        CHECK(fails_open(out[i], O_RDONLY, ENOTCAPABLE));
        CHECK(fails_open(out[i], O_WRONLY | O_CREAT | O_TRUNC, ENOTCAPABLE));
        FAILS(stat(out[i], &st), ENOTCAPABLE);
        FAILS(utimensat(AT_FDCWD, out[i], times, 0), ENOTCAPABLE);
    }
    FAILS(rename("/sandbox/file", "/sandbox/abs_dir_link/file"), ENOTCAPABLE);
    FAILS(link("/sandbox/file", "/sandbox/../outside/file"), ENOTCAPABLE);
    FAILS(symlink("/etc/passwd", "/sandbox/dir/deep_link/l"), ENOTCAPABLE);
    FAILS(mkdir("/sandbox/abs_dir_link/d", 0755), ENOTCAPABLE);
    FAILS(unlink("/sandbox/abs_dir_link/secret"), ENOTCAPABLE);
    CHECK(fails_open("/sandbox/loop", O_RDONLY, ELOOP));
    CHECK(opendir("/sandbox/..") == NULL && errno == ENOTCAPABLE);

    // The read-only preopen.
    CHECK(fails_open("/ro/new", O_WRONLY | O_CREAT, ENOTCAPABLE));
    CHECK(fails_open("/ro/data", O_RDONLY | O_TRUNC, ENOTCAPABLE));
    fd = open("/ro/data", O_RDWR);
    CHECK(fd >= 0);  // libc asks only for rights the directory can give...
    CHECK(write(fd, "x", 1) == -1);  // ...so the write is what fails.
    CHECK(close(fd) == 0);
    FAILS(mkdir("/ro/d", 0755), ENOTCAPABLE);
    FAILS(unlink("/ro/data"), ENOTCAPABLE);

    // readdir: ".", "..", d_ino and d_type, telldir/seekdir, rewinddir.
    DIR *d = opendir("/sandbox/dir");
    CHECK(d != NULL);
    int dots = 0, inner = 0, link_seen = 0;
    long at_inner = -1;
    struct dirent *e;
    for (long pos = telldir(d); (e = readdir(d)) != NULL; pos = telldir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            CHECK(e->d_type == DT_DIR);
            dots++;
        } else if (strcmp(e->d_name, "inner") == 0) {
            CHECK(e->d_type == DT_REG);
            CHECK(stat("/sandbox/dir/inner", &st) == 0 && st.st_ino == e->d_ino);
            inner++;
            at_inner = pos;
        } else if (strcmp(e->d_name, "deep_link") == 0) {
            CHECK(e->d_type == DT_LNK);
            link_seen++;
        } else {
            return __LINE__;
        }
    }
    CHECK(dots == 2 && inner == 1 && link_seen == 1);
    seekdir(d, at_inner);
    e = readdir(d);
    CHECK(e != NULL && strcmp(e->d_name, "inner") == 0);
    rewinddir(d);
    int again = 0;
    while (readdir(d) != NULL) again++;
    CHECK(again == 4);
    CHECK(closedir(d) == 0);

    d = opendir("/sandbox/big");
    CHECK(d != NULL);
    char *seen = calloc(10000, 1);
    int count = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        int i = atoi(e->d_name + 1);
        CHECK(e->d_name[0] == 'e' && i >= 0 && i < 10000 && !seen[i]);
        seen[i] = 1;
        count++;
    }
    CHECK(count == 10000);
    CHECK(closedir(d) == 0);
    printf("checks passed: %u\n", checks);
    return 0;
}
