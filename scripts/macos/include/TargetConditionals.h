/* Stand-in for the macOS SDK header of this name, enough for ring's C code to compile so that
 * `cargo clippy --target x86_64-apple-darwin` can type-check the crate on Linux
 * (scripts/macos-check.sh). Never linked, never run. */
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_SIMULATOR 0
#define TARGET_OS_EMBEDDED 0
