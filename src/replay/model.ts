// One interception model run over a stream of batches: a native context per (model, trace).
import { EventBatch } from '../events';
import { COUNTERS, DEVICE_CFG_BYTES, isNull, native, START_COLD, START_WARM } from '../native/binding';
import { UserError } from '../errors';
import { chooseModels, LATEST, ModelChoice } from './catalog';
import { createPolicyContext, isPolicyModel, policyOf } from '../policy/context';

export interface Geometry {
  tableGpa: bigint;
  pbaGpa: bigint | null;
  entries: number;
  /** This device's own start (replay --start auto); the run's start when absent. */
  start?: StartState;
}

export type StartState = 'cold' | 'warm';
/** msx_create's start when each device record carries its own (msx_device_cfg.start). */
const START_PER_DEVICE = 2;

export function modelNames(): string[] {
  const lib = native();
  const names: string[] = [];
  for (let i = 0; i < lib.msx_model_count(); i++) names.push(lib.msx_model_name(i));
  return names;
}

/** Canonical model name for a name or alias (kvm -> forward-all); UserError when unknown. */
export function resolveModel(name: string): string {
  if (isPolicyModel(name)) return (policyOf(name), name); // policy:FILE, checked now (exit 2 on errors)
  const lib = native();
  const i = lib.msx_model_find(name);
  if (i < 0) throw new UserError(`unknown model '${name}' (known: ${modelNames().join(', ')}, kvm, all, or policy:FILE)`);
  return lib.msx_model_name(i);
}

/** The -m list as choices: model names, aliases, releases (xen-4.17), comma lists, all. */
export function chooseFrom(list: string[] | string | undefined, flag = '-m'): ModelChoice[] {
  const lib = native();
  return chooseModels(list, (n) => {
    if (isPolicyModel(n)) return (policyOf(n), n); // policy:FILE, checked now (exit 2 on errors)
    const i = lib.msx_model_find(n);
    return i < 0 ? null : lib.msx_model_name(i);
  }, modelNames, (what) => {
    if (what === '') return new UserError(`${flag} needs a model name (msixtrace models lists them; or a Xen release such as xen-4.17, or all)`);
    const known = `(known: ${modelNames().join(', ')}, kvm, all, policy:FILE)`;
    const release = /^(\S+) (is .*)$/.exec(what);
    if (release) return new UserError(`unknown model '${release[1]}' ${known}: ${release[1]} ${release[2]}`);
    return new UserError(`unknown model '${what}' ${known} or a Xen release ${RELEASE_SPAN} such as xen-4.17`);
  });
}

const RELEASE_SPAN = `3.0–${LATEST[0]}.${LATEST[1]}`;

/** The canonical model names of a -m list (for verbs that do not print labels). */
export function expandModels(list: string[] | string | undefined): string[] {
  return chooseFrom(list).map((c) => c.model);
}

export function deviceConfig(devices: Geometry[]): Buffer {
  const buf = Buffer.alloc(DEVICE_CFG_BYTES * Math.max(1, devices.length));
  devices.forEach((d, i) => {
    const o = i * DEVICE_CFG_BYTES;
    buf.writeBigUInt64LE(d.tableGpa, o);
    buf.writeBigUInt64LE(d.pbaGpa ?? 0n, o + 8);
    buf.writeUInt32LE(d.entries, o + 16);
    buf.writeUInt32LE(d.pbaGpa === null ? 0 : 1, o + 20);
    buf.writeUInt32LE(d.start === 'warm' ? START_WARM : START_COLD, o + 24);
  });
  return buf;
}

export class ModelRun {
  readonly model: string;
  private ctx: Buffer | null;
  private readonly out = Buffer.alloc(COUNTERS * 8);
  private policy: Buffer | null = null; // a policy:... model's compiled policy, which its context reads

  constructor(model: string, start: StartState, devices: Geometry[], options = 0) {
    const lib = native();
    if (isPolicyModel(model)) {
      if (devices.length === 0) throw new UserError('trace has no devices: nothing to model');
      const p = createPolicyContext(model, start === 'warm' ? START_WARM : START_COLD, deviceConfig(devices), devices.length, options);
      if (isNull(p.ctx)) throw new UserError(`model ${model}: device geometry rejected (entries must be 1..2048)`);
      this.model = model;
      this.ctx = p.ctx;
      this.policy = p.storage;
      return;
    }
    const id = lib.msx_model_find(model);
    if (id < 0) throw new UserError(`unknown model '${model}'`);
    this.model = lib.msx_model_name(id);
    if (devices.length === 0) throw new UserError('trace has no devices: nothing to model');
    const perDevice = devices.some((d) => d.start !== undefined);
    const ctx = lib.msx_create(id, perDevice ? START_PER_DEVICE : start === 'warm' ? START_WARM : START_COLD, deviceConfig(devices), devices.length,
      options);
    if (isNull(ctx)) throw new UserError(`model ${model}: device geometry rejected (entries must be 1..2048)`);
    this.ctx = ctx;
  }

  /** Decides the batch's n events; fills decisions[0..n) when given. */
  feed(batch: EventBatch, decisions?: Buffer): void {
    if (!this.ctx) throw new Error('internal: model run closed');
    if (batch.n === 0) return;
    const rc = native().msx_feed(this.ctx, batch.buf, batch.cap, batch.n, decisions ?? null);
    if (rc !== 0) throw new UserError(`event names a device the trace header does not list`);
  }

  /** The native context (for the parallel feed of several models); throws when closed. */
  get handle(): Buffer {
    if (!this.ctx) throw new Error('internal: model run closed');
    return this.ctx;
  }

  counters(): BigUint64Array {
    if (!this.ctx) throw new Error('internal: model run closed');
    native().msx_counters(this.ctx, this.out, COUNTERS);
    return new BigUint64Array(this.out.buffer.slice(this.out.byteOffset, this.out.byteOffset + COUNTERS * 8));
  }

  close(): void {
    if (this.ctx) native().msx_destroy(this.ctx);
    this.ctx = null;
    this.policy = null;
  }
}
