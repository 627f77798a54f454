// yargs turns a lone "-" argument into an empty string, so the CLI swaps it for this path before
// parsing; readers treat it as standard input.
export const STDIN_PATH = '/dev/stdin';
// ... and a lone "-" after an output option (-o, --html, --junit) for this one: stdout, written
// through (src/util/atomic.ts).
export const STDOUT_PATH = '/dev/stdout';

export function isStdin(file: string): boolean {
  return file === '-' || file === STDIN_PATH;
}

export function displayName(file: string): string {
  return isStdin(file) ? 'stdin' : file;
}

/**
 * Copies standard input to a private temporary file, for readers that need to read a trace twice
 * (validate, then print). cleanup() removes it; it is also removed at exit.
 */
export function spoolStdin(): { file: string; cleanup: () => void } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fs = require('fs') as typeof import('fs');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const os = require('os') as typeof import('os');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const path = require('path') as typeof import('path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msixtrace-stdin-'));
  const file = path.join(dir, 'stdin.msixtrace');
  const cleanup = (): void => fs.rmSync(dir, { recursive: true, force: true });
  process.on('exit', cleanup);
  const buf = Buffer.allocUnsafe(1 << 20);
  const out = fs.openSync(file, 'w');
  try {
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(0, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EOF') break;
        throw e;
      }
      if (n === 0) break;
      let at = 0;
      while (at < n) at += fs.writeSync(out, buf, at, n - at);
    }
  } catch (e) {
    fs.closeSync(out);
    cleanup();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { ioError } = require('../errors') as typeof import('../errors');
    throw ioError('read', 'stdin', e);
  }
  fs.closeSync(out);
  return { file, cleanup };
}

/** Names a spooled copy of stdin as "stdin" in a message about it. */
export function renameSpool(message: string, spoolFile: string): string {
  return message.split(spoolFile).join('stdin');
}
