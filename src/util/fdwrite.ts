// Synchronous writes to a descriptor that may be non-blocking (a pipe or socket node set O_NONBLOCK
// on, or one shared with another process). EAGAIN means the reader is slow: sleep instead of
// retrying at once, so a blocked stdout costs no CPU (a retry loop spun at 100% behind `| less`).
import * as fs from 'fs';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const MAX_WAIT_MS = 50;

/** Blocks the thread for `ms` without spinning. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Writes buf[start, end) to fd completely; errors other than EAGAIN are thrown as they come. */
export function writeAllSync(fd: number, buf: Uint8Array, start = 0, end = buf.length): void {
  let at = start;
  let wait = 1;
  while (at < end) {
    try {
      at += fs.writeSync(fd, buf, at, end - at);
      wait = 1;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      // The pipe is full: back off up to 50 ms between tries (a poll(2) node does not offer).
      sleepSync(wait);
      wait = Math.min(wait * 2, MAX_WAIT_MS);
    }
  }
}
