#!/usr/bin/env bash
# Builds fuzz/random_feed.c with every native/ source under AddressSanitizer + UndefinedBehaviorSanitizer and
# feeds random events through every model, and through the replay pipeline (encode, decode, feed on
# worker threads) checked against it (see the driver's header comment).
#
#   scripts/sanitize.sh [EVENTS [SEED [DRIVER-OPTION...]]]
#     EVENTS  events to generate (default 10000000; 2000000 with SAN=thread)
#     SEED    PRNG seed (default 1; a failing run names its seed, rerun it to reproduce)
#     DRIVER-OPTION  passed to the driver, e.g. -x wrap,unaligned, or -P 50 (pipeline rounds, %)
#   CC=...  compiler to use (default: the first of gcc, clang, cc whose sanitizers work)
#   SAN=thread  ThreadSanitizer (+ UBSan) instead, for the pipeline's and the encoder's threads:
#               every round a pipeline round (-P 100 unless given), about 10x slower; not in npm test
#
# Exit status: 0 clean; 1 an invariant violation or a sanitizer report (the report is on stderr);
# 2 a build failure or bad arguments; 77 no C compiler with working sanitizers here (skip).
set -uo pipefail
cd "$(dirname "$0")/.."

san=${SAN:-address}
case $san in
  address) sanitizers=address,undefined default_events=10000000 pre=() ;;
  thread) sanitizers=thread,undefined default_events=2000000 pre=(-P 100) ;;
  *) echo "sanitize.sh: SAN must be address or thread" >&2; exit 2 ;;
esac
events=${1:-$default_events}
seed=${2:-1}
shift $(( $# < 2 ? $# : 2 ))

SAN_FLAGS=(-std=c11 -g -O1 -pthread "-fsanitize=$sanitizers" -fno-sanitize-recover=all -fno-omit-frame-pointer)

work=$(mktemp -d "${TMPDIR:-/tmp}/msixtrace-sanitize.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# A compiler counts only if a sanitized program links and runs here (libasan/libubsan present,
# and ASan's shadow memory can be mapped).
works() {
  command -v "$1" >/dev/null 2>&1 || return 1
  printf 'int main(void){return 0;}\n' >"$work/probe.c"
  "$1" "${SAN_FLAGS[@]}" "$work/probe.c" -o "$work/probe" >/dev/null 2>&1 && "$work/probe" >/dev/null 2>&1
}
cc=""
for c in ${CC:-} gcc clang cc; do
  if works "$c"; then cc=$c; break; fi
done
if [ -z "$cc" ]; then
  echo "sanitize.sh: no C compiler with working -fsanitize=$sanitizers (tried ${CC:+$CC }gcc clang cc); install gcc or clang" >&2
  exit 77
fi

read -r -a NATIVE_SRC <<<"$(node scripts/native-files.js sources)"
read -r -a NATIVE_INC <<<"$(node scripts/native-files.js cflags)"
read -r -a NATIVE_LIBS <<<"$(node scripts/native-files.js libs)"
if ! "$cc" "${SAN_FLAGS[@]}" -Wall -Wextra "${NATIVE_INC[@]}" "${NATIVE_SRC[@]}" fuzz/random_feed.c "${NATIVE_LIBS[@]}" -o "$work/random_feed"; then
  echo "sanitize.sh: build with $cc failed" >&2
  exit 2
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=0:exitcode=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66:second_deadlock_stack=1}
echo "sanitize.sh: $cc -fsanitize=$sanitizers, $events events, seed $seed${*:+, driver options $*}" >&2
"$work/random_feed" -q ${pre[@]+"${pre[@]}"} "$@" "$seed" "$events" 2>"$work/stderr"
rc=$?
cat "$work/stderr" >&2
if [ $rc -eq 0 ] && grep -qE 'runtime error|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|WARNING: ThreadSanitizer' "$work/stderr"; then
  echo "sanitize.sh: sanitizer report with exit status 0" >&2
  rc=1
fi
if [ $rc -ne 0 ]; then
  echo "sanitize.sh: FAILED (exit $rc); reproduce with: ${SAN:+SAN=$san }scripts/sanitize.sh $events $seed${*:+ $*}" >&2
  [ $rc -gt 2 ] && rc=1 # signals, sanitizer exit codes: a failure, not a skip or usage error
fi
exit $rc
