// Where the native library is (libmsixmodels.so, built by node-gyp at npm install), and binding its
// optional parts: the decoder, pipeline, encoder, capture scan and dump formatter each have a
// JavaScript reference, so a missing library or one older than this code only costs speed.
import * as fs from 'fs';
import * as path from 'path';

export function libraryPath(): string {
  const root = path.resolve(__dirname, '..', '..');
  return process.env.MSIXTRACE_NATIVE_LIB ?? path.join(root, 'build', 'Release', 'libmsixmodels.so');
}

/**
 * The functions `spec` names, bound through ffi-napi (`ptr` is the opaque-pointer type for
 * signatures that need it), or null when the library is missing or lacks one of them: the caller
 * then runs its JavaScript reference. ffi-napi is required here, on the first call, not at import:
 * it costs ~45 ms to load.
 */
export function bindOptional<T>(spec: (ptr: unknown) => Record<string, unknown[]>): T | null {
  const file = libraryPath();
  if (!fs.existsSync(file)) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const ffi = require('@2060.io/ffi-napi');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const ref = require('@2060.io/ref-napi');
    return ffi.Library(file, spec(ref.refType(ref.types.void))) as T;
  } catch {
    return null;
  }
}
