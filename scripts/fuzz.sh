#!/usr/bin/env bash
# Builds the libFuzzer harnesses under ASan + UBSan and fuzzes each for a share of a bounded time:
#   fuzz_feed  fuzz/fuzz_feed.c with every native/ source: the models' batch entry point (msx_feed),
#              seeds in fuzz/corpus/
#   fuzz_scan  fuzz/fuzz_scan.c with native/capture/scan.c: the capture fast path's line scan
#              (msx_scan_qemu), seeds in fuzz/corpus-scan/
#   fuzz_gunzip fuzz/fuzz_gunzip.c with native/capture/gunzip.c (and zlib): capture's inflater
#              (msx_gunzip_run), seeds in fuzz/corpus-gunzip/
#   fuzz_kvm   fuzz/fuzz_scan_kvm.c with native/capture/scan_kvm.c: the capture scan of ftrace
#              kvm_mmio lines (msx_scan_kvm), seeds in fuzz/corpus-kvm/
#
#   scripts/fuzz.sh [SECONDS [LIBFUZZER-OPTION...]]
#     SECONDS  total -max_total_time (default 60): a fifth each to fuzz_gunzip and fuzz_kvm, the
#              rest half and half between the other two (fuzz_feed gets the odd second); 0 runs
#              fuzz_feed without a time limit, then nothing
#     LIBFUZZER-OPTION  passed on to both, e.g. -seed=1 -jobs=2 -workers=2
#   CLANG=...                  compiler (default clang)
#   MSX_FUZZ_ARTIFACTS=dir     where crash inputs go (default: a fresh temp dir, kept on failure)
#   MSX_FUZZ_CORPUS=dir        grow this corpus dir across runs (fuzz_feed's; the others' are
#                              dir-scan, dir-gunzip and dir-kvm)
#                              (default: temp dirs, discarded)
#   MSX_FUZZ_EXCLUDE=wrap,unaligned  mask geometry classes (see fuzz/fuzz_feed.c)
#   MSX_FUZZ_ONLY=feed|scan|gunzip|kvm  build and run one harness only (its time is still its share)
#
# Per harness, first every input in fuzz/repro/ (reproducers of bugs found before: scan-* are
# fuzz_scan's, gunzip-* fuzz_gunzip's, kvm-* fuzz_kvm's, the rest fuzz_feed's) and in its seed corpus is run once as a regression check, then
# the fuzzer runs. Exit status: 0 no crash; 1 a crash, leak, sanitizer report or invariant violation
# in any (the input is saved, its path printed; the harnesses after it are not run); 2 a build
# failure or bad arguments; 77 no clang with libFuzzer here (skip).
set -uo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS [LIBFUZZER-OPTION...]]" >&2; exit 2 ;; esac
only=${MSX_FUZZ_ONLY:-}
case $only in '' | feed | scan | gunzip | kvm) ;; *) echo "fuzz.sh: MSX_FUZZ_ONLY must be feed, scan, gunzip or kvm" >&2; exit 2 ;; esac

# A fifth each to the inflater (a thin loop around zlib) and the kvm_mmio scan (byte-level parsing,
# no SIMD), then half and half: fuzz_feed's models have been fuzzed longer, fuzz_scan's SIMD paths
# are newer.
if [ "$secs" -eq 0 ]; then
  feed_secs=0 scan_secs=0 gunzip_secs=0 kvm_secs=0
else
  gunzip_secs=$((secs / 5))
  kvm_secs=$((secs / 5))
  scan_secs=$(((secs - gunzip_secs - kvm_secs) / 2))
  feed_secs=$((secs - gunzip_secs - kvm_secs - scan_secs))
  # -max_total_time=0 would mean no limit
  [ "$scan_secs" -eq 0 ] && scan_secs=1
  [ "$gunzip_secs" -eq 0 ] && gunzip_secs=1
  [ "$kvm_secs" -eq 0 ] && kvm_secs=1
fi

clang=${CLANG:-clang}
FLAGS=(-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
# fuzz_scan: scan.c's runtime AVX2 check also reads the harness's msx_fuzz_no_avx2 (an input flag),
# so that the SSE2 skip loop is fuzzed on an AVX2 machine too.
SCAN_DEFS=('-D__builtin_cpu_supports(f)=(({ extern int msx_fuzz_no_avx2; msx_fuzz_no_avx2; }) ? 0 : __builtin_cpu_supports(f))')

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

# Sources and include folders come from scripts/native-files.js (native/ mirrors src/ in stages).
read -r -a NATIVE_SRC <<<"$(node scripts/native-files.js sources)"
read -r -a NATIVE_INC <<<"$(node scripts/native-files.js cflags)"
read -r -a NATIVE_LIBS <<<"$(node scripts/native-files.js libs)"

harnesses=(feed scan gunzip kvm)
[ -n "$only" ] && harnesses=("$only")
for h in "${harnesses[@]}"; do
  case $h in
    feed) src=("${NATIVE_SRC[@]}" fuzz/fuzz_feed.c) ;;
    scan) src=("${SCAN_DEFS[@]}" native/capture/scan.c fuzz/fuzz_scan.c) ;;
    gunzip) src=(native/capture/gunzip.c fuzz/fuzz_gunzip.c) ;;
    kvm) src=(native/capture/scan_kvm.c fuzz/fuzz_scan_kvm.c) ;;
  esac
  if ! "$clang" "${FLAGS[@]}" -Wall -Wextra "${NATIVE_INC[@]}" "${src[@]}" "${NATIVE_LIBS[@]}" -o "$work/fuzz_$h"; then
    echo "fuzz.sh: build of fuzz_$h failed" >&2
    exit 2
  fi
done

artifacts=${MSX_FUZZ_ARTIFACTS:-$work/artifacts}
mkdir -p "$artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

fail() { # HARNESS WHAT
  keep_work=1
  echo "fuzz.sh: FAILED (fuzz_$1): $2" >&2
  echo "fuzz.sh: crash inputs in $artifacts; rerun one with: $work/fuzz_$1 <file>" >&2
  if [ "$1" = scan ]; then
    echo "fuzz.sh: (or rebuild it: $clang ${FLAGS[*]} '${SCAN_DEFS[0]}' ${NATIVE_INC[*]} native/capture/scan.c fuzz/fuzz_scan.c -o fuzz_scan)" >&2
  elif [ "$1" = kvm ]; then
    echo "fuzz.sh: (or rebuild it: $clang ${FLAGS[*]} ${NATIVE_INC[*]} native/capture/scan_kvm.c fuzz/fuzz_scan_kvm.c -o fuzz_kvm)" >&2
  elif [ "$1" = gunzip ]; then
    echo "fuzz.sh: (or rebuild it: $clang ${FLAGS[*]} ${NATIVE_INC[*]} native/capture/gunzip.c fuzz/fuzz_gunzip.c ${NATIVE_LIBS[*]} -o fuzz_gunzip)" >&2
  else
    echo "fuzz.sh: (or rebuild it: $clang ${FLAGS[*]} ${NATIVE_INC[*]} ${NATIVE_SRC[*]} fuzz/fuzz_feed.c ${NATIVE_LIBS[*]} -o fuzz_feed)" >&2
  fi
  exit 1
}

shopt -s nullglob
run() { # HARNESS SECONDS SEEDS EXTRA-LIBFUZZER-OPTION...
  local h=$1 s=$2 seeds=$3
  shift 3
  local bin=$work/fuzz_$h inputs
  # Regression: every checked-in input once, without mutation.
  if [ "$h" != feed ]; then
    inputs=(fuzz/repro/"$h"-* "$seeds"/*)
  else
    inputs=()
    for f in fuzz/repro/*; do
      case ${f##*/} in scan-* | gunzip-* | kvm-*) ;; *) inputs+=("$f") ;; esac
    done
    inputs+=("$seeds"/*)
  fi
  if [ ${#inputs[@]} -gt 0 ]; then
    "$bin" -artifact_prefix="$artifacts/" "${inputs[@]}" >"$work/regress-$h.log" 2>&1 ||
      { cat "$work/regress-$h.log" >&2; fail "$h" "a checked-in input crashes"; }
    echo "fuzz.sh: fuzz_$h: ${#inputs[@]} checked-in inputs pass" >&2
  fi

  local corpus=$work/corpus-$h
  if [ -n "${MSX_FUZZ_CORPUS:-}" ]; then
    corpus=${MSX_FUZZ_CORPUS%/}
    [ "$h" = feed ] || corpus=$corpus-$h
  fi
  mkdir -p "$corpus"
  echo "fuzz.sh: fuzz_$h: fuzzing for ${s}s (corpus $corpus, seeds $seeds)" >&2
  "$bin" -max_total_time="$s" -max_len=4096 -timeout=10 -use_value_profile=1 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$@" "$corpus" "$seeds" >"$work/fuzz-$h.log" 2>&1
  local rc=$?
  if [ $rc -ne 0 ] || grep -qE 'runtime error|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|ERROR: libFuzzer|VIOLATION' "$work/fuzz-$h.log"; then
    # the report, without libFuzzer's many progress lines
    grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|RELOAD)' "$work/fuzz-$h.log" | tail -n 80 >&2
    fail "$h" "libFuzzer exit $rc"
  fi
  grep -E '^(INFO: Seed|#[0-9]+[[:space:]]+(INITED|DONE)|stat::)' "$work/fuzz-$h.log" | sed "s/^/fuzz_$h: /" >&2
  echo "fuzz.sh: fuzz_$h: no crash in ${s}s" >&2
}

for h in "${harnesses[@]}"; do
  case $h in
    feed) run feed "$feed_secs" fuzz/corpus "$@" ;;
    # A line inflated to ~1 MiB (an input flag) costs ~1000x a short one: weight the schedule by
    # execution time so such inputs are tried without taking over the run (~8x the execs).
    scan) run scan "$scan_secs" fuzz/corpus-scan -entropic_scale_per_exec_time=1 "$@" ;;
    gunzip) run gunzip "$gunzip_secs" fuzz/corpus-gunzip "$@" ;;
    kvm) run kvm "$kvm_secs" fuzz/corpus-kvm "$@" ;;
  esac
done
