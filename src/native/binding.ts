// The models' side of the native library: the numbers replay exchanges with native/replay (counter
// indexes, outcomes, start states, the device record), taken from the ABI record that
// src/native/library.ts checks against the library at load. The functions come from library.ts.
import { abiValue } from './library';

export { isNull, libraryPath, native } from './library';
export type { NativeLib } from './library';

export const COUNTERS = abiValue('counters');
export const C_DEFERRED_UNMASKS = abiValue('counter deferred_unmasks');
export const C_GUEST_CRASH = abiValue('counter guest_crash');
export const C_EVENTS = abiValue('counter events');
export const OUTCOME_ABSORB = abiValue('outcome absorb');
export const OUTCOME_FORWARD = abiValue('outcome forward');
export const OUTCOME_BOTH = abiValue('outcome both');
export const START_COLD = abiValue('start cold');
export const START_WARM = abiValue('start warm');
export const OPT_XEN34_MOD_QUIRK = abiValue('option xen34 mod quirk');
export const DEVICE_CFG_BYTES = abiValue('device record bytes');
