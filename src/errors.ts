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
