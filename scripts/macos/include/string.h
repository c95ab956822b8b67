/* Stand-in for the macOS SDK header of this name, enough for ring's C code to compile so that
 * `cargo clippy --target x86_64-apple-darwin` can type-check the crate on Linux
 * (scripts/macos-check.sh). Never linked, never run. */
#include <stddef.h>
void *memcpy(void *, const void *, size_t);
void *memmove(void *, const void *, size_t);
void *memset(void *, int, size_t);
int memcmp(const void *, const void *, size_t);
size_t strlen(const char *);
