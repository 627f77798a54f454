// Temporary outputs are named `.msx-<pid>-<random>.tmp` beside their target. A run killed outright
// (SIGKILL, a power cut, a second Ctrl-C during the rename) leaves its temporary behind; the next run
// writing into the same folder removes those whose process is gone.
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
    if (!dead(pid)) continue;
    const file = path.join(dir, name);
    try {
      // Only files and links; unlink never follows a link, so a planted one is just removed.
      const st = fs.lstatSync(file);
      if (st.isFile() || st.isSymbolicLink()) fs.unlinkSync(file);
    } catch { /* raced with another run, or not ours to remove */ }
  }
}
