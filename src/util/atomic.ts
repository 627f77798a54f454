// The one writer behind every output of every verb. Outputs appear whole or not at all:
// - a regular file (or a new name) is written to a temporary file beside it, created exclusively
//   (O_EXCL|O_NOFOLLOW, an unguessable name: a link planted in a shared folder is never followed),
//   fsynced, renamed over the target, and the folder fsynced (SQLite's discipline: after a power cut
//   the output is the old file or the new one, never an empty one). A replaced file keeps its mode
//   and owner; a new one gets the umask's mode. A symbolic link has its target replaced, not itself.
// - `-` (stdout) and anything that is not a regular file (a FIFO, a character device such as
//   /dev/stdout or /dev/null, a socket, or a link to one) is written through, never renamed over.
// Write errors name the user's path and the cause in words; the previous output stays, the
// temporary file goes.
import * as fs from 'fs';
import * as path from 'path';
import { ioError, UserError } from '../errors';
import { writeAllSync } from './fdwrite';
import { commitDone, commitStarting } from './signals';
import { removeStaleTemps, tempName } from './stale';
import { STDOUT_PATH } from './stdin';

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

/** `-` (after an output option the CLI turns it into STDOUT_PATH): the output is standard output. */
export function isStdout(target: string): boolean {
  return target === '-' || target === STDOUT_PATH;
}

export interface ResolvedOutput {
  /** The file the output lands in once links are followed (absolute; its folder exists). */
  file: string;
  /** Its lstat, null when it does not exist yet. */
  stat: fs.Stats | null;
}

/**
 * Follows `target` through symbolic links (dangling ones too) to the file to write. Fails, naming
 * `target`, when its folder is missing or not a folder.
 */
export function resolveOutput(target: string): ResolvedOutput {
  let cur = path.resolve(target);
  for (let hops = 0; hops <= 40; hops++) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(cur);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('write', target, e);
      const dir = path.dirname(cur);
      let d: fs.Stats;
      try {
        d = fs.statSync(dir);
      } catch (e2) {
        const code = (e2 as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`cannot write ${target}: directory ${dir} does not exist`);
        throw ioError('write', target, e2);
      }
      if (!d.isDirectory()) throw new UserError(`cannot write ${target}: ${dir} is not a directory`);
      return { file: path.join(fs.realpathSync(dir), path.basename(cur)), stat: null };
    }
    if (!st.isSymbolicLink()) return { file: path.join(fs.realpathSync(path.dirname(cur)), path.basename(cur)), stat: st };
    // Relative link text is relative to the link's real folder, as the kernel reads it.
    cur = path.resolve(fs.realpathSync(path.dirname(cur)), fs.readlinkSync(cur));
  }
  throw new UserError(`cannot write ${target}: too many levels of symbolic links`);
}

const EXCL = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

export class AtomicFile {
  /** The user's name for the output (messages). */
  readonly target: string;
  /** The temporary file, null when written through (stdout, FIFO, device). */
  readonly tmp: string | null = null;
  private readonly file: string;
  private readonly owned: boolean;
  private fd: number | null;
  written = 0;

  constructor(target: string) {
    hookExit();
    if (isStdout(target)) {
      this.target = 'stdout';
      this.file = target;
      this.fd = 1;
      this.owned = false;
      return;
    }
    this.target = target;
    const out = resolveOutput(target);
    this.file = out.file;
    this.owned = true;
    const st = out.stat;
    if (st && st.isDirectory()) throw new UserError(`cannot write ${target}: is a directory`);
    if (st && !st.isFile()) {
      // A FIFO blocks here until its reader opens it, as for any writer.
      try {
        this.fd = fs.openSync(out.file, fs.constants.O_WRONLY);
      } catch (e) {
        throw ioError('write', target, e);
      }
      return;
    }
    const dir = path.dirname(out.file);
    removeStaleTemps(dir, path.basename(out.file));
    let fd = -1;
    let tmp = '';
    for (let tries = 0; fd < 0; tries++) {
      tmp = path.join(dir, tempName());
      try {
        fd = fs.openSync(tmp, EXCL, 0o666);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST' && tries < 8) continue;
        throw ioError('write', target, e);
      }
    }
    this.tmp = tmp;
    this.fd = fd;
    pending.add(tmp);
    if (st) {
      // Owner first: chown clears set-id bits, which the mode then restores. Only root may give a
      // file away; anyone else keeps their own ownership, as cp does.
      try { fs.fchownSync(fd, st.uid, st.gid); } catch { /* EPERM as a user */ }
      try {
        fs.fchmodSync(fd, st.mode & 0o7777);
      } catch (e) {
        this.abort();
        throw ioError('write', target, e);
      }
    }
  }

  write(buf: Buffer | Uint8Array, start = 0, end = buf.length): void {
    if (this.fd === null) throw new Error('internal: write after close');
    try {
      writeAllSync(this.fd, buf, start, end);
    } catch (e) {
      this.abort();
      // A reader that went away (`-o - | head`): end quietly, as Unix tools do.
      if ((e as NodeJS.ErrnoException).code === 'EPIPE' && !this.tmp) throw e;
      throw ioError('write', this.target, e);
    }
    this.written += end - start;
  }

  commit(): void {
    const fd = this.fd;
    if (fd === null) return;
    this.fd = null;
    if (this.tmp === null) {
      if (this.owned) fs.closeSync(fd);
      return;
    }
    commitStarting();
    try {
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    } catch (e) {
      try { fs.closeSync(fd); } catch { /* closed */ }
      this.removeTemp();
      throw ioError('write', this.target, e);
    }
    try {
      fs.renameSync(this.tmp, this.file);
    } catch (e) {
      this.removeTemp();
      throw ioError('write', this.target, e);
    }
    pending.delete(this.tmp);
    commitDone();
    syncDir(path.dirname(this.file));
  }

  abort(): void {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null && this.owned) {
      try { fs.closeSync(fd); } catch { /* closing a broken fd */ }
    }
    this.removeTemp();
  }

  private removeTemp(): void {
    if (this.tmp === null) return;
    try { fs.unlinkSync(this.tmp); } catch { /* never created */ }
    pending.delete(this.tmp);
  }
}

/** Makes a rename in `dir` durable; file systems that cannot fsync a folder keep the rename as done. */
function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  try { fs.fsyncSync(fd); } catch { /* EINVAL on some file systems */ }
  fs.closeSync(fd);
}

/** Writes a whole text or byte output (see AtomicFile). */
export function writeFileAtomic(target: string, data: string | Buffer): void {
  const f = new AtomicFile(target);
  f.write(typeof data === 'string' ? Buffer.from(data) : data);
  f.commit();
}

/**
 * Refuses, before anything is read or written, an output that is one of the inputs (the same device
 * and inode, or the same file once links are resolved): `capture same.log -o same.log` would
 * otherwise replace a recording that often cannot be made again.
 */
export function refuseInputAsOutput(output: string, inputs: Array<string | undefined>): void {
  if (isStdout(output)) return;
  const out = resolveOutput(output);
  let outStat: fs.Stats | null = null;
  try { outStat = fs.statSync(out.file); } catch { /* a new file */ }
  for (const input of inputs) {
    if (input === undefined || input === '') continue;
    let st: fs.Stats | null = null;
    let real: string | null = null;
    try {
      if (input === '-' || input === '/dev/stdin') st = fs.fstatSync(0);
      else {
        st = fs.statSync(input);
        real = fs.realpathSync(input);
      }
    } catch {
      continue; // a missing input is reported when it is opened
    }
    const same = (outStat !== null && st.isFile() && st.dev === outStat.dev && st.ino === outStat.ino) || real === out.file;
    if (same) throw new UserError(`cannot write ${output}: it is also an input (${input === '/dev/stdin' ? 'stdin' : input}); name another output file`);
  }
}
