// `--lspci GUEST=FILE` / `--mtree GUEST=FILE`: the one reading of a geometry argument, shared by
// capture and by the CLI's input-as-output check (which must not load the parsers to make it).
import * as fs from 'fs';
import { UserError } from '../errors';

/** `GUEST=FILE` -> { guest, file }; a bare FILE (or a file that exists under the whole name) -> guest null. */
export function guestFileArg(arg: string, flag: string): { guest: number | null; file: string } {
  const m = /^(-?\d+)=(.+)$/.exec(arg);
  if (!m || fs.existsSync(arg)) return { guest: null, file: arg };
  const guest = Number(m[1]);
  if (!Number.isSafeInteger(guest) || guest < 0 || guest > 0x7fffffff) throw new UserError(`${flag} ${arg}: ${m[1]} is not a VM id (a process id or domain id)`);
  return { guest, file: m[2] };
}
