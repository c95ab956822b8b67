#!/bin/sh
# RUSTC_WRAPPER for scripts/package.sh: every rustc that cargo runs — for the target and for the
# host (build scripts and proc-macros, which RUSTFLAGS does not reach when --target is given) —
# gets the path remapping in TLSINSPECT_REMAP, so that no checkout's or machine's path reaches
# the packages (a proc-macro built from a path-named OUT_DIR changes the crates that use it).
rustc=$1
shift
# shellcheck disable=SC2086 # TLSINSPECT_REMAP is a list of options
exec "$rustc" "$@" $TLSINSPECT_REMAP
