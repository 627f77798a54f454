// Binding of capture's pipe reader (native/capture/pipe.c): a chunk of a pipe read on a thread of
// libuv's pool, so that the JavaScript thread scans the previous chunk meanwhile.
import { abiValue, errnoError, native, nativeAsync } from './library';

const FILL_SLOTS = abiValue('pipe fill slots');
const FILL_EOF = abiValue('pipe fill eof');

/** What one fill brought: bytes read into the buffer, and whether the writer has closed its end. */
export interface Fill {
  bytes: number;
  eof: boolean;
}

/**
 * Reads fd into buf until it holds `want` bytes, the writer closes, or data has waited `holdMs`;
 * with nothing to read it settles with 0 bytes after `idleMs`. A read error rejects as node's fs
 * errors do (errnoError).
 */
export async function pipeFill(fd: number, buf: Buffer, want: number, holdMs: number, idleMs: number): Promise<Fill> {
  // state is the thread's own for this call: two fills of one reader never overlap, but a Buffer
  // per call keeps that true by construction.
  const state = Buffer.alloc(FILL_SLOTS * 4);
  const n = await nativeAsync('msx_pipe_fill', fd, buf, buf.length, want, holdMs, idleMs, state);
  if (n < 0) throw errnoError(n, 'read');
  return { bytes: n, eof: state.readInt32LE(FILL_EOF * 4) === 1 };
}

/** Asks for a pipe buffer of `bytes` so the writer runs ahead during a scan; the size, or -errno. */
export function pipeGrow(fd: number, bytes: number): number {
  return native().msx_pipe_grow(fd, bytes);
}
