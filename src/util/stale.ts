// Temporary outputs are named `.msx-<pid>-<random>.tmp` beside their target. A run killed outright
// (SIGKILL, a power cut, a second Ctrl-C during the rename) leaves its temporary behind; the next run
// writing into the same folder removes those whose process is gone, or whose pid now belongs to a
// process that started after the temporary was last written (the pid was reused: on a busy host, or
// after a reboot, the number of a dead capture soon names another process).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const TEMP = /^\.msx-(\d{1,10})-[A-Za-z0-9_-]{16}\.tmp$/;
// The scheme of msixtrace 0.x: `.<output name>.<pid>.<base36 ms>.tmp`.
const OLD_TEMP = /^\.(.+)\.(\d{1,10})\.[0-9a-z]{1,12}\.tmp$/;

/** A fresh temporary name: short whatever the output's name (a 250-byte name must still work), unguessable. */
export function tempName(): string {
  return `.msx-${process.pid}-${crypto.randomBytes(12).toString('base64url')}.tmp`;
}

function dead(pid: number): boolean {
  if (pid === process.pid || pid <= 1) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // EPERM: alive, someone else's.
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

// Linux's USER_HZ, the unit of /proc/<pid>/stat's start time: 100 on every architecture it runs on.
const USER_HZ = 100;
let bootMs: number | null | undefined;

/** When the system booted (ms since the epoch), from /proc/stat; null where there is no /proc. */
function bootTime(): number | null {
  if (bootMs !== undefined) return bootMs;
  try {
    const m = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'latin1'));
    bootMs = m ? Number(m[1]) * 1000 : null;
  } catch {
    bootMs = null;
  }
  return bootMs;
}

/** When process pid started (ms since the epoch, to the second), or null where unknown. */
function startTime(pid: number): number | null {
  const boot = bootTime();
  if (boot === null) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // comm, in parentheses, may hold spaces: fields are counted after its closing one (state is 3)
    const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3]);
    return Number.isFinite(start) ? boot + (start * 1000) / USER_HZ : null;
  } catch {
    return null;
  }
}

/**
 * Whether the run that wrote a temporary last modified at mtimeMs is gone: its process is dead, or
 * the live process of that number started after the write (with a second of slack: btime and the
 * start are whole seconds and ticks).
 */
function gone(pid: number, mtimeMs: number): boolean {
  if (dead(pid)) return true;
  if (pid === process.pid) return false;
  const started = startTime(pid);
  return started !== null && started > mtimeMs + 2000;
}

/** Removes the temporaries of dead runs in `dir` (and old-scheme ones of `target`'s name). Best effort. */
export function removeStaleTemps(dir: string, targetBase: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    let pid: number;
    const m = TEMP.exec(name);
    if (m) pid = Number(m[1]);
    else {
      const o = OLD_TEMP.exec(name);
      if (!o || o[1] !== targetBase) continue;
      pid = Number(o[2]);
    }
    if (pid === process.pid || pid <= 1) continue;
    const file = path.join(dir, name);
    try {
      // Only files and links; unlink never follows a link, so a planted one is just removed.
      const st = fs.lstatSync(file);
      if ((st.isFile() || st.isSymbolicLink()) && gone(pid, st.mtimeMs)) fs.unlinkSync(file);
    } catch { /* raced with another run, or not ours to remove */ }
  }
}
