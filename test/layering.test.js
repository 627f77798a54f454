// No import runs back up. Every module in src/ belongs to a layer, and may import only from its own
// layer or a lower one; modules may not import each other in a cycle (not even for types). Layers,
// lowest first:
//   0 base      errors.ts, events.ts, version.ts, util/
//   1 native    native/       the one owner of the C library
//   2 tracefile tracefile/    the file format
//   3 stages    capture/, replay/, synth/, check/, policy/, record/   (what the verbs do)
//   4 report    report/       renderers: never a verb
//   5 surface   cli/ (the verbs) and index.ts (the library API); neither imports the other
// Verbs share code through a lower module or a cli/ helper: no cli/ module imports a verb module (one
// that exports `command`), except cli/main.ts, which dispatches to them all.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const SRC = path.join(__dirname, '..', 'src');

const LAYERS = {
  'errors.ts': 0, 'events.ts': 0, 'version.ts': 0, util: 0,
  native: 1,
  tracefile: 2,
  capture: 3, replay: 3, synth: 3, check: 3, policy: 3, record: 3,
  report: 4,
  cli: 5, 'index.ts': 5,
};

/** Whether a cli/ module is a verb (a yargs command module). */
function isVerb(file) {
  if (VERB_FILES.has(file)) return VERB_FILES.get(file);
  const verb = fs.existsSync(file) && /^export const command\b/m.test(fs.readFileSync(file, 'utf8'));
  VERB_FILES.set(file, verb);
  return verb;
}
const VERB_FILES = new Map();

/** The first path segment under src/ ('replay', 'events.ts', ...). */
const unitOf = (file) => path.relative(SRC, file).split(path.sep)[0];

function layerOf(file) {
  const unit = unitOf(file);
  if (!(unit in LAYERS)) throw new Error(`src/${unit} has no layer: add it to LAYERS in test/layering.test.js`);
  return LAYERS[unit];
}

function* tsFiles(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield p;
  }
}

/** The relative imports of a source file: static, type-only, re-exports, require() and import(). */
function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [];
  const re = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.[^'"]*)\1/gm;
  for (const m of text.matchAll(re)) specs.push(m[2]);
  return specs.map((s) => resolve(file, s)).filter((f) => f !== null);
}

/** The file an import names; null for code generated outside src/ at build time (generated/). */
function resolve(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  if (path.relative(path.join(SRC, '..', 'generated'), base).split(path.sep)[0] !== '..') return null;
  for (const cand of [base + '.ts', path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(cand) && fs.statSync(cand).isFile()) return cand;
  }
  throw new Error(`${path.relative(SRC, from)}: cannot resolve import '${spec}'`);
}

function graph() {
  const g = new Map();
  for (const f of tsFiles(SRC)) g.set(f, importsOf(f));
  return g;
}

/** Upward imports, as "src/a.ts (layer) -> src/b.ts (layer)". */
function upward(g) {
  const bad = [];
  for (const [from, tos] of g) {
    for (const to of tos) {
      const lf = layerOf(from);
      const lt = layerOf(to);
      const crossSurface = lf === 5 && lt === 5 && unitOf(from) !== unitOf(to);
      const verbToVerb = unitOf(from) === 'cli' && unitOf(to) === 'cli' && isVerb(to)
        && path.relative(SRC, from) !== path.join('cli', 'main.ts');
      if (lt > lf || crossSurface || verbToVerb) bad.push(`src/${path.relative(SRC, from)} (layer ${lf}) -> src/${path.relative(SRC, to)} (layer ${lt})`);
    }
  }
  return bad;
}

/** Every import cycle, each as a list of files (Tarjan's strongly connected components). */
function cycles(g) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) || []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(`src/${path.relative(SRC, w)}`);
      } while (w !== v);
      if (comp.length > 1 || (g.get(v) || []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

test('every module of src/ imports only from its own layer or below', () => {
  const g = graph();
  assert.ok(g.size > 40, `expected the source tree, found ${g.size} files`);
  assert.deepEqual(upward(g), []);
});

test('no import cycle in src/', () => {
  assert.deepEqual(cycles(graph()), []);
});

test('the checker sees an upward import and a cycle', () => {
  // The rules themselves, on a made-up graph: tracefile importing replay, and two modules in a ring.
  const f = (p) => path.join(SRC, p);
  VERB_FILES.set(f('cli/replay.ts'), true);
  VERB_FILES.set(f('cli/options.ts'), false);
  const g = new Map([
    [f('tracefile/reader.ts'), [f('replay/engine.ts')]],
    [f('replay/engine.ts'), [f('replay/groups.ts')]],
    [f('replay/groups.ts'), [f('replay/engine.ts')]],
    [f('report/html/index.ts'), [f('cli/dump.ts')]],
    [f('cli/main.ts'), [f('index.ts'), f('cli/replay.ts')]],
    [f('cli/check.ts'), [f('cli/replay.ts'), f('cli/options.ts')]],
  ]);
  assert.deepEqual(upward(g), [
    'src/tracefile/reader.ts (layer 2) -> src/replay/engine.ts (layer 3)',
    'src/report/html/index.ts (layer 4) -> src/cli/dump.ts (layer 5)',
    'src/cli/main.ts (layer 5) -> src/index.ts (layer 5)',
    'src/cli/check.ts (layer 5) -> src/cli/replay.ts (layer 5)',
  ]);
  assert.deepEqual(cycles(g), [['src/replay/engine.ts', 'src/replay/groups.ts']]);
});
