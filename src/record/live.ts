// `record --live`: every second, the accesses of the last second per VM as each interception model
// decides them (absorbed in the hypervisor vs forwarded to the device model), like `perf kvm stat
// live`. On a terminal the view is redrawn in place; otherwise one plain line per VM and model.
import { EventBatch } from '../events';
import { fieldsFrom, totalsFrom } from '../replay/counts';
import { ModelRun, resolveModel } from '../replay/model';
import { Vm } from './vms';

interface Row {
  pid: number;
  batch: EventBatch;
  runs: ModelRun[];
  last: Array<{ absorbed: number; forwarded: number }>;
  accesses: number;
  lastAccesses: number;
}

export class LiveView {
  private readonly rows: Row[];
  private readonly tty = Boolean(process.stdout.isTTY);
  private readonly started = Date.now();
  private lastTick = this.started;
  private drawn = 0;

  constructor(vms: Vm[], models: string[]) {
    const names = models.map(resolveModel);
    // A live view attaches to guests that are already running: each entry's state is unknown, so
    // the models start warm (as if every entry had been set up before).
    this.rows = vms.map((vm) => ({
      pid: vm.pid,
      batch: new EventBatch(4096),
      runs: names.map((m) => new ModelRun(m, 'warm', vm.geometry.devices.map((d) => ({ tableGpa: d.tableGpa, pbaGpa: d.pbaGpa, entries: d.tableEntries })))),
      last: names.map(() => ({ absorbed: 0, forwarded: 0 })),
      accesses: 0,
      lastAccesses: 0,
    }));
  }

  /** One access of VM pid (device is the VM's own device index). */
  push(pid: number, ts: number, vcpu: number, device: number, region: number, offset: number, size: number, dir: number, lo: number, hi: number): void {
    const row = this.rows.find((r) => r.pid === pid);
    if (!row) return;
    row.batch.push(ts, pid, vcpu, device, region, offset, size, dir, lo, hi);
    row.accesses++;
    if (row.batch.full) this.feed(row);
  }

  private feed(row: Row): void {
    for (const run of row.runs) run.feed(row.batch);
    row.batch.clear();
  }

  /** Feeds what came in and prints the decisions since the last tick, as rates per second. */
  tick(): void {
    const now = Date.now();
    // Rates over the time really elapsed: a tick that runs late does not inflate or shrink them.
    const span = Math.max(1, now - this.lastTick) / 1000;
    this.lastTick = now;
    const secs = Math.round((now - this.started) / 1000);
    const rate = (n: number): number => Math.round(n / span);
    const lines: string[] = [];
    if (this.tty) {
      lines.push(`msixtrace record --live   ${secs}s   (Ctrl-C to stop and write the file)`);
      lines.push(`  ${'guest'.padEnd(10)} ${'model'.padEnd(14)} ${'accesses/s'.padStart(11)} ${'absorbed/s'.padStart(11)} ${'forwarded/s'.padStart(12)}`);
    }
    for (const row of this.rows) {
      this.feed(row);
      const accesses = rate(row.accesses - row.lastAccesses);
      row.lastAccesses = row.accesses;
      row.runs.forEach((run, k) => {
        const t = totalsFrom(fieldsFrom(run.counters()));
        // A write the hypervisor handles and also forwards (write.both) is counted in write.forwarded.
        const total = { absorbed: t.read.absorbed + t.write.absorbed, forwarded: t.read.forwarded + t.write.forwarded };
        const dAbsorbed = total.absorbed - row.last[k].absorbed;
        const dForwarded = total.forwarded - row.last[k].forwarded;
        // Rounded as a whole, so the two rates add up to the accesses' rate.
        const absorbed = rate(dAbsorbed);
        const d = { absorbed, forwarded: rate(dAbsorbed + dForwarded) - absorbed };
        row.last[k] = total;
        lines.push(this.tty
          ? `  ${String(row.pid).padEnd(10)} ${run.model.padEnd(14)} ${String(accesses).padStart(11)} ${String(d.absorbed).padStart(11)} ${String(d.forwarded).padStart(12)}`
          : `t=${secs}s guest=${row.pid} model=${run.model} accesses/s=${accesses} absorbed/s=${d.absorbed} forwarded/s=${d.forwarded}`);
      });
    }
    if (this.tty) {
      // Cursor-up cannot climb above the top of the screen: a view taller than the terminal is cut.
      const room = Math.max(3, (process.stdout.rows || 24) - 1);
      if (lines.length > room) {
        const cut = lines.length - (room - 1);
        lines.length = room - 1;
        lines.push(`  ... ${cut} more rows: pick models with -m (e.g. -m kvm -m xen-4.19)`);
      }
    }
    // Redraw in place: move up over the previous view and clear to the end of the screen.
    const prefix = this.tty && this.drawn ? `\x1b[${this.drawn}A\x1b[J` : '';
    process.stdout.write(prefix + lines.join('\n') + '\n');
    this.drawn = lines.length;
  }

  close(): void {
    for (const row of this.rows) for (const run of row.runs) run.close();
    this.rows.length = 0;
  }
}
