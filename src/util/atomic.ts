// Output files appear whole or not at all: everything is written to a temporary file beside the
// target and renamed over it at the end; temporaries left by an aborted run are removed at exit.
import * as fs from 'fs';
import * as path from 'path';

const pending = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const tmp of pending) {
      try { fs.unlinkSync(tmp); } catch { /* already gone */ }
    }
  });
}

export class AtomicFile {
  readonly target: string;
  readonly tmp: string;
  private fd: number | null;
  written = 0;

  constructor(target: string) {
    hookExit();
    this.target = target;
    const dir = path.dirname(path.resolve(target));
    this.tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
    this.fd = fs.openSync(this.tmp, 'w');
    pending.add(this.tmp);
  }

  write(buf: Buffer | Uint8Array, start = 0, end = buf.length): void {
    if (this.fd === null) throw new Error('internal: write after close');
    let at = start;
    while (at < end) at += fs.writeSync(this.fd, buf, at, end - at);
    this.written += end - start;
  }

  commit(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
    fs.renameSync(this.tmp, this.target);
    pending.delete(this.tmp);
  }

  abort(): void {
    if (this.fd !== null) {
      try { fs.closeSync(this.fd); } catch { /* closing a broken fd */ }
      this.fd = null;
    }
    try { fs.unlinkSync(this.tmp); } catch { /* never created */ }
    pending.delete(this.tmp);
  }
}

/** Writes a whole text or byte output atomically. */
export function writeFileAtomic(target: string, data: string | Buffer): void {
  const f = new AtomicFile(target);
  try {
    f.write(typeof data === 'string' ? Buffer.from(data) : data);
    f.commit();
  } catch (e) {
    f.abort();
    throw e;
  }
}
