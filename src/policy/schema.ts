// The JSON Schema of policy files (docs/policy.schema.json), generated from the knob table so the
// schema editors use and the checks msixtrace runs (./load) cannot drift apart.
import { GROUPS, KNOBS, KnobDef, MAX_ENTRIES } from './knobs';

type Schema = Record<string, unknown>;

function valueSchema(k: KnobDef): Schema {
  switch (k.type) {
    case 'enum': return { description: k.describe, enum: k.values };
    case 'bool': return { description: k.describe, type: 'boolean' };
    case 'sizes': return { description: k.describe, type: 'array', items: { enum: [1, 2, 4, 8] }, uniqueItems: true };
    case 'entries': return {
      description: k.describe,
      oneOf: [
        { type: 'integer', minimum: 0, maximum: MAX_ENTRIES },
        { const: 'all' },
        { type: 'array', items: { type: 'integer', minimum: 0, maximum: MAX_ENTRIES - 1 }, uniqueItems: true },
      ],
    };
  }
}

export function policySchema(): Schema {
  const root: Schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'msixtrace interception policy',
    description: 'What a hypervisor does with each guest access to an MSI-X table and PBA. See docs/policies.md.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      name: { type: 'string', pattern: '^[A-Za-z0-9._+-]{1,60}$', description: 'shown in messages; defaults to the file name' },
      description: { type: 'string' },
      base: { type: 'string', description: 'a built-in model (xen-4.1, kvm, ...) or a .json policy file, relative to this one, whose knobs this file starts from' },
    } as Record<string, Schema>,
  };
  const groupOf = (p: string): Schema => {
    let node = root;
    const parts = p.split('.');
    for (let i = 0; i < parts.length - 1; i++) {
      const props = node.properties as Record<string, Schema>;
      node = props[parts[i]] ??= { type: 'object', additionalProperties: false, properties: {} };
    }
    return node;
  };
  for (const g of GROUPS) groupOf(`${g}.x`);
  for (const k of KNOBS) (groupOf(k.path).properties as Record<string, Schema>)[k.path.split('.').pop()!] = valueSchema(k);
  return root;
}

export function policySchemaText(): string {
  return `${JSON.stringify(policySchema(), null, 2)}\n`;
}
