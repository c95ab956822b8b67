/* Stand-in for the macOS SDK header of this name, enough for ring's C code to compile so that
 * `cargo clippy --target x86_64-apple-darwin` can type-check the crate on Linux
 * (scripts/macos-check.sh). Never linked, never run. */
#include <stddef.h>
void *malloc(size_t);
void free(void *);
int posix_memalign(void **, size_t, size_t);
void abort(void);
