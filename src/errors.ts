// Bad input and bad usage surface as one line on stderr and exit 2 (DESIGN.md); a UserError carries
// that line. Anything else is a bug and keeps its stack.

export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** "file:line: what" / "file: byte N: what" location prefixes, kept uniform. */
export function at(file: string, where?: { line?: number; byte?: number }): string {
  if (where?.line !== undefined) return `${file}:${where.line}`;
  if (where?.byte !== undefined) return `${file}: byte ${where.byte}`;
  return file;
}

/** Exit status of a failure of the system under a valid command (disk full, I/O error): not the user's input. */
export const EXIT_IO = 3;

// Failures of the machine rather than of the command line: the same command may work once the disk
// has room again, so scripts can tell them from bad usage (exit 2).
const SYSTEM = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO', 'EROFS', 'ENXIO', 'ENOMEM', 'EMFILE', 'ENFILE', 'ESTALE']);

const WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (the file size limit, ulimit -f, was reached)',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
  ENXIO: 'no such device or address',
  ETXTBSY: 'text file busy',
  EEXIST: 'file exists',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENOMEM: 'out of memory',
  EBADF: 'bad file descriptor',
  EINVAL: 'invalid argument',
  EXDEV: 'cross-device link',
  ESTALE: 'stale file handle',
  EPIPE: 'broken pipe',
};

/** What an errno means, in words (never the bare code). */
export function errnoWords(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && WORDS[code]) return WORDS[code];
  const msg = (e as Error)?.message ?? String(e);
  // Node's "EXXX: words, syscall 'path'" without the code and the (maybe temporary) path.
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(msg);
  return m ? m[1] : msg;
}

/**
 * One line for a failed open/read/write of a file the user named: "cannot write x.msixtrace: no space
 * left on device", exit 3 when the system failed, else 2.
 */
export function ioError(action: 'open' | 'read' | 'write', name: string, e: unknown, why?: string): UserError {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  return new UserError(`cannot ${action} ${name}: ${why ?? errnoWords(e)}`, SYSTEM.has(code) ? EXIT_IO : 2);
}
