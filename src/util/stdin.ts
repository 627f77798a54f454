// yargs turns a lone "-" argument into an empty string, so the CLI swaps it for this path before
// parsing; readers treat it as standard input.
export const STDIN_PATH = '/dev/stdin';

export function isStdin(file: string): boolean {
  return file === '-' || file === STDIN_PATH;
}

export function displayName(file: string): string {
  return isStdin(file) ? 'stdin' : file;
}
