// A small QMP client: connect, negotiate capabilities, run commands one after another, close.
// QEMU serves one client per QMP socket at a time, so record holds it only while it asks.
import * as net from 'net';
import { UserError } from '../errors';

export class Qmp {
  private buf = '';
  private waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void; what: string } | null = null;

  private constructor(private readonly sock: net.Socket, readonly path: string) {
    sock.on('data', (d) => this.data(d));
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('connection closed')));
  }

  static async connect(path: string, timeoutMs = 10000): Promise<Qmp> {
    const sock = net.createConnection(path);
    const q = new Qmp(sock, path);
    sock.setTimeout(timeoutMs, () => q.fail(new Error('no answer')));
    await q.expect('greeting');
    await q.execute('qmp_capabilities');
    return q;
  }

  private fail(e: Error): void {
    const w = this.waiting;
    this.waiting = null;
    if (w) w.reject(new UserError(`record: QMP ${this.path}: ${w.what}: ${e.message}`));
  }

  private data(d: Buffer): void {
    this.buf += d.toString('utf8');
    let nl;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line);
      } catch {
        this.fail(new Error('not a QMP socket'));
        continue;
      }
      if (msg.event) continue;
      const w = this.waiting;
      if (!w) continue;
      this.waiting = null;
      if (msg.error) w.reject(new UserError(`record: QMP ${this.path}: ${w.what}: ${(msg.error as { desc?: string }).desc ?? 'error'}`));
      else w.resolve('return' in msg ? msg.return : msg);
    }
  }

  private expect(what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject, what };
    });
  }

  execute(cmd: string, args?: Record<string, unknown>): Promise<unknown> {
    const p = this.expect(cmd);
    this.sock.write(JSON.stringify(args ? { execute: cmd, arguments: args } : { execute: cmd }) + '\n');
    return p;
  }

  async hmp(commandLine: string): Promise<string> {
    return String(await this.execute('human-monitor-command', { 'command-line': commandLine }));
  }

  close(): void {
    this.sock.removeAllListeners('close');
    this.sock.destroy();
  }
}
