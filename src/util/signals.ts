// Stop signals for a verb that can end early with a useful result (capture, like `perf record`):
// the first SIGINT, SIGTERM or SIGHUP asks it to finish (`timeout`, systemd and `docker stop` send
// SIGTERM; a closed terminal SIGHUP); a second one aborts, exit 130, and leaves the previous output.
//
// Node runs a signal's JavaScript handler only between tasks, never inside the synchronous fsync and
// rename that publish an output: a second signal there would run after the rename, too late to keep
// the previous file. So while an output is committed after a first signal, the handlers are taken
// away and the kernel's default action ends the process at once, before the rename if it comes
// before it; the temporary file left then is removed by the next run (src/util/stale.ts). After the
// rename the output is complete and further signals are ignored.
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** How long the finish waits after a first signal for one sent with it (imperceptible at a terminal). */
const SECOND_SIGNAL_GRACE_MS = 100;

let handler: ((sig: NodeJS.Signals) => void) | null = null;
let stopped = false;
let committed = false;
let aborted = false;
const ignore = (): void => undefined;

/** Installs the stop handlers; returns their removal. `first` is called once, for the first signal. */
export function onStopSignal(first: (sig: NodeJS.Signals) => void): () => void {
  const h = (sig: NodeJS.Signals): void => {
    if (committed) return;
    if (!stopped) {
      stopped = true;
      // A signal that came with this one (a second Ctrl-C, `kill -TERM` after `kill -INT`, or both
      // pending when a stopped process is continued) may be taken by another of node's threads and
      // reach the event loop a turn later; the finish starts after a short grace so that such a
      // signal still aborts instead of arriving after the output is in place.
      setTimeout(() => { if (!aborted) first(sig); }, SECOND_SIGNAL_GRACE_MS);
      return;
    }
    aborted = true;
    process.stderr.write('msixtrace: aborted: no output written\n');
    process.exit(130);
  };
  handler = h;
  for (const s of STOP_SIGNALS) process.on(s, h);
  return () => {
    for (const s of STOP_SIGNALS) {
      process.off(s, h);
      process.off(s, ignore);
    }
    if (handler === h) handler = null;
  };
}

/** An output is about to be published (fsync, rename). */
export function commitStarting(): void {
  if (handler && stopped) for (const s of STOP_SIGNALS) process.off(s, handler);
}

/** The output is in place: a late signal no longer aborts anything. */
export function commitDone(): void {
  if (!handler) return;
  committed = true;
  if (stopped) for (const s of STOP_SIGNALS) process.on(s, ignore);
}
