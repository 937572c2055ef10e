// Arguments and environment through wasi-libc: argc/argv, environ and getenv. Exits with the
// line number of the first failed check; when all pass, prints `checks passed: N`.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

// Checks run so far: the last line printed says how many passed, so the test can tell a
// guest that finished from one that stopped early with status 0.
static unsigned checks;
#define CHECK(cond) do { checks++; if (!(cond)) return __LINE__; } while (0)

int main(int argc, char **argv) {
    CHECK(argc == 3);
    CHECK(strcmp(argv[1], "alpha") == 0);
    CHECK(strcmp(argv[2], "") == 0);
    CHECK(argv[3] == NULL);
    CHECK(strcmp(getenv("FOO"), "bar=baz") == 0);
    CHECK(getenv("NOPE") == NULL);
    int n = 0;
    for (char **e = environ; *e; e++) n++;
    CHECK(n == 2);
    printf("checks passed: %u\n", checks);
    return 0;
}
