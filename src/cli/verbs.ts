// The verbs, in help order. Each module is ./<verb> and its `command` starts with the verb.
export const VERBS = ['capture', 'replay', 'report', 'check', 'dump', 'models', 'synth', 'whatif', 'completion'] as const;
