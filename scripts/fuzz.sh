#!/usr/bin/env bash
# Builds the libFuzzer harness fuzz/fuzz_feed.c with native/*.c under ASan + UBSan and fuzzes the
# batch entry point for a bounded time, starting from the seed corpus in fuzz/corpus/.
#
#   scripts/fuzz.sh [SECONDS [LIBFUZZER-OPTION...]]
#     SECONDS  -max_total_time (default 60)
#     LIBFUZZER-OPTION  passed on, e.g. -seed=1 -jobs=2 -workers=2
#   CLANG=...                  compiler (default clang)
#   MSX_FUZZ_ARTIFACTS=dir     where crash inputs go (default: a fresh temp dir, kept on failure)
#   MSX_FUZZ_CORPUS=dir        grow this corpus dir across runs (default: a temp copy, discarded)
#   MSX_FUZZ_EXCLUDE=wrap,unaligned  mask geometry classes (see fuzz/fuzz_feed.c)
#
# First every input in fuzz/repro/ (reproducers of bugs found before) and fuzz/corpus/ is run
# once as a regression check, then the fuzzer runs. Exit status: 0 no crash; 1 a crash, leak,
# sanitizer report or invariant violation (the input is saved, its path printed); 2 a build failure
# or bad arguments; 77 no clang with libFuzzer here (skip).
set -uo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS [LIBFUZZER-OPTION...]]" >&2; exit 2 ;; esac

clang=${CLANG:-clang}
FLAGS=(-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

work=$(mktemp -d "${TMPDIR:-/tmp}/msixtrace-fuzz.XXXXXX") || exit 2
keep_work=0
trap '[ $keep_work = 1 ] || rm -rf "$work"' EXIT

printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n){(void)d;(void)n;return 0;}\n' >"$work/probe.c"
if ! command -v "$clang" >/dev/null 2>&1 ||
   ! "$clang" "${FLAGS[@]}" "$work/probe.c" -o "$work/probe" >/dev/null 2>&1 ||
   ! "$work/probe" -runs=1 >/dev/null 2>&1; then
  echo "fuzz.sh: no '$clang' with -fsanitize=fuzzer,address,undefined here; on Debian: apt-get install -y clang" >&2
  exit 77
fi

if ! "$clang" "${FLAGS[@]}" -Wall -Wextra -Inative native/*.c fuzz/fuzz_feed.c -o "$work/fuzz_feed"; then
  echo "fuzz.sh: build failed" >&2
  exit 2
fi

artifacts=${MSX_FUZZ_ARTIFACTS:-$work/artifacts}
mkdir -p "$artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

fail() {
  keep_work=1
  echo "fuzz.sh: FAILED: $1" >&2
  echo "fuzz.sh: crash inputs in $artifacts; rerun one with: $work/fuzz_feed <file>" >&2
  echo "fuzz.sh: (or rebuild it: $clang ${FLAGS[*]} -Inative native/*.c fuzz/fuzz_feed.c -o fuzz_feed)" >&2
  exit 1
}

# Regression: every checked-in input once, without mutation.
shopt -s nullglob
inputs=(fuzz/repro/* fuzz/corpus/*)
if [ ${#inputs[@]} -gt 0 ]; then
  "$work/fuzz_feed" -artifact_prefix="$artifacts/" "${inputs[@]}" >"$work/regress.log" 2>&1 ||
    { cat "$work/regress.log" >&2; fail "a checked-in input crashes"; }
  echo "fuzz.sh: ${#inputs[@]} checked-in inputs pass" >&2
fi

corpus=${MSX_FUZZ_CORPUS:-$work/corpus}
mkdir -p "$corpus"
echo "fuzz.sh: fuzzing for ${secs}s (corpus $corpus, seeds fuzz/corpus)" >&2
"$work/fuzz_feed" -max_total_time="$secs" -max_len=4096 -timeout=10 -use_value_profile=1 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$@" "$corpus" fuzz/corpus >"$work/fuzz.log" 2>&1
rc=$?
if [ $rc -ne 0 ] || grep -qE 'runtime error|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|ERROR: libFuzzer|VIOLATION' "$work/fuzz.log"; then
  # the report, without libFuzzer's many progress lines
  grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|RELOAD)' "$work/fuzz.log" | tail -n 80 >&2
  fail "libFuzzer exit $rc"
fi
grep -E '^(INFO: Seed|#[0-9]+[[:space:]]+(INITED|DONE)|stat::)' "$work/fuzz.log" >&2
echo "fuzz.sh: no crash in ${secs}s" >&2
