// Buffered stdout that works the same on a TTY, a file and a pipe; a closed pipe (`| head`) ends
// the process quietly, as Unix tools do; any other write error is one line naming stdout.
import { ioError } from '../errors';
import { writeAllSync } from './fdwrite';

const LIMIT = 1 << 16;

export class Out {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly fd = 1) {}

  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= LIMIT) this.flush();
  }

  line(s: string): void {
    this.write(s + '\n');
  }

  /** Bytes already encoded (native formatters): written after what is buffered, without a copy. */
  bytes(buf: Buffer): void {
    this.flush();
    this.writeAll(buf);
  }

  flush(): void {
    if (this.size === 0) return;
    const buf = Buffer.from(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    this.writeAll(buf);
  }

  private writeAll(buf: Buffer): void {
    try {
      writeAllSync(this.fd, buf);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
      throw ioError('write', this.fd === 1 ? 'stdout' : `descriptor ${this.fd}`, e);
    }
  }
}

/** Progress on stderr only when stderr is a terminal; pipes and CI logs stay clean. */
export class Progress {
  private last = 0;
  readonly enabled: boolean;

  constructor(private readonly label: string) {
    this.enabled = !!process.stderr.isTTY && !process.env.CI;
  }

  update(done: number, total?: number, unit = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    let text: string;
    if (total && total > 0) {
      const frac = Math.min(1, done / total);
      const width = 30;
      const fill = Math.round(frac * width);
      text = `${this.label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(1)}%`;
    } else {
      text = `${this.label} ${done.toLocaleString('en-US')}${unit}`;
    }
    process.stderr.write(`\r${text}\x1b[K`);
  }

  done(): void {
    if (this.enabled && this.last !== 0) process.stderr.write('\r\x1b[K');
  }
}
