// The one ffi-napi binding to native/ (libmsixmodels.so, built by node-gyp at npm install).
// Calls take whole batches: one call per EventBatch per model, never one per event.
import * as fs from 'fs';
import { UserError } from '../errors';
import { libraryPath } from './library';

export { libraryPath };

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ffi = require('@2060.io/ffi-napi');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const ref = require('@2060.io/ref-napi');

export const COUNTERS = 40;
export const C_DEFERRED_UNMASKS = 36;
export const C_GUEST_CRASH = 37;
export const C_EVENTS = 38;
export const OUTCOME_ABSORB = 0;
export const OUTCOME_FORWARD = 1;
export const OUTCOME_BOTH = 2;
export const START_COLD = 0;
export const START_WARM = 1;
export const OPT_XEN34_MOD_QUIRK = 1;
export const DEVICE_CFG_BYTES = 32;

export interface NativeLib {
  msx_model_count(): number;
  msx_model_name(i: number): string;
  msx_model_find(name: string): number;
  msx_create(model: number, start: number, devs: Buffer, ndev: number, options: number): Buffer;
  msx_destroy(ctx: Buffer): void;
  msx_feed(ctx: Buffer, buf: Buffer, cap: number, n: number, decisions: Buffer | null): number;
  msx_counters(ctx: Buffer, out: Buffer, n: number): void;
  msx_reason_text(reason: number): string;
}

let lib: NativeLib | null = null;

export function native(): NativeLib {
  if (lib) return lib;
  const file = libraryPath();
  if (!fs.existsSync(file)) {
    throw new UserError(`native library missing: ${file} (build it with \`npm install\` or \`npx node-gyp rebuild\`)`);
  }
  const ptr = ref.refType(ref.types.void);
  lib = ffi.Library(file, {
    msx_model_count: ['int32', []],
    msx_model_name: ['string', ['int32']],
    msx_model_find: ['int32', ['string']],
    msx_create: [ptr, ['int32', 'int32', 'pointer', 'uint32', 'uint32']],
    msx_destroy: ['void', [ptr]],
    msx_feed: ['int32', [ptr, 'pointer', 'uint32', 'uint32', 'pointer']],
    msx_counters: ['void', [ptr, 'pointer', 'uint32']],
    msx_reason_text: ['string', ['int32']],
  }) as NativeLib;
  return lib;
}

export function isNull(p: Buffer): boolean {
  return ref.isNull(p);
}
