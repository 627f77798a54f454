// `-m policy:FILE`: a policy as a replay model. The policy is compiled into a buffer the native
// engine reads (native/replay/policy.c) and a context is made from it; everything after that (the
// feeds, the pipeline, the counters) is the same as for a built-in model.
import { UserError } from '../errors';
import { native, NativeLib } from '../native/library';
import { knobArray } from './knobs';
import { loadPolicy, Policy } from './load';

export const POLICY_PREFIX = 'policy:';

type PolicyLib = Pick<NativeLib, 'msx_policy_size' | 'msx_policy_compile' | 'msx_create_policy'>;

function policyLib(): PolicyLib {
  return native();
}

/** Policies made in memory (whatif's combinations), by model name. */
const registry = new Map<string, Policy>();

export function isPolicyModel(name: string): boolean {
  return name.startsWith(POLICY_PREFIX);
}

/** A policy under a model name of its own (policy:LABEL), for replayTrace. */
export function registerPolicy(label: string, p: Policy): string {
  const name = `${POLICY_PREFIX}${label}`;
  registry.set(name, p);
  return name;
}

/** The policy a policy:... model name stands for (loaded and checked: exit 2 on errors). */
export function policyOf(name: string): Policy {
  const known = registry.get(name);
  if (known) return known;
  const file = name.slice(POLICY_PREFIX.length);
  if (!file) throw new UserError('policy: needs a file, e.g. -m policy:my-policy.json');
  return loadPolicy(file);
}

/** A native context deciding by the policy `name`; `storage` must outlive it (it holds the policy). */
export function createPolicyContext(name: string, start: number, devs: Buffer, ndev: number, options: number):
  { ctx: Buffer; storage: Buffer } {
  const p = policyOf(name);
  const l = policyLib();
  const knobs = Buffer.from(knobArray(p.values).buffer);
  const storage = Buffer.alloc(l.msx_policy_size()); // a fresh ArrayBuffer: 8-aligned
  const rc = l.msx_policy_compile(storage, knobs, knobs.length / 4, p.name);
  if (rc !== 0) throw new Error(`internal: policy knob ${-1 - rc} out of range`);
  return { ctx: l.msx_create_policy(storage, start, devs, ndev, options), storage };
}
