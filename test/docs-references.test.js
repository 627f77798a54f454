// The repository explains itself: README, docs/, src/, native/ and every --help text point only at
// files a clone has (docs/*.md), never at the reference material outside the repository.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.join(__dirname, '..');
// A path out of the repository, or one of the reference notes by name.
const OUTSIDE = /\.\.\/shared|\/work\/shared|spec\/[a-z-]+\.md|\b(xen-msixtbl|trace-formats|linux-guest-patterns)\.md/;

function* files(dir, exts) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(p, exts);
    else if (exts.some((x) => e.name.endsWith(x))) yield p;
  }
}

function offenders(list) {
  const bad = [];
  for (const f of list) {
    fs.readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      if (OUTSIDE.test(line)) bad.push(`${path.relative(ROOT, f)}:${i + 1}: ${line.trim()}`);
    });
  }
  return bad;
}

test('README, docs/, src/ and native/ point at nothing outside the repository', () => {
  const list = [
    path.join(ROOT, 'README.md'),
    ...files(path.join(ROOT, 'docs'), ['.md']),
    ...files(path.join(ROOT, 'src'), ['.ts']),
    ...files(path.join(ROOT, 'native'), ['.c', '.h']),
  ];
  assert.ok(list.length > 50, `expected the source tree, found ${list.length} files`);
  assert.deepEqual(offenders(list), []);
});

test('the docs the product points at exist', () => {
  const named = new Set();
  for (const f of [path.join(ROOT, 'README.md'), ...files(path.join(ROOT, 'src'), ['.ts']), ...files(path.join(ROOT, 'native'), ['.c', '.h'])]) {
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/docs\/([a-z-]+\.md)/g)) named.add(m[1]);
  }
  for (const n of ['models.md', 'guest-patterns.md', 'log-formats.md']) assert.ok(named.has(n), `nothing points at docs/${n}`);
  for (const n of named) assert.ok(fs.existsSync(path.join(ROOT, 'docs', n)), `docs/${n} is named but missing`);
});

test('--help of every verb points at nothing outside the repository', () => {
  const bin = path.join(ROOT, 'bin', 'msixtrace.js');
  const verbs = ['capture', 'replay', 'check', 'dump', 'synth', 'report', 'models'];
  const texts = [execFileSync(process.execPath, [...NODE_FLAGS, bin, '--help'], { encoding: 'utf8' })];
  for (const v of verbs) texts.push(execFileSync(process.execPath, [...NODE_FLAGS, bin, v, '--help'], { encoding: 'utf8' }));
  for (const t of texts) assert.doesNotMatch(t, OUTSIDE);
  // The verbs whose rules live in docs/ say where.
  assert.match(texts[1 + verbs.indexOf('capture')], /docs\/log-formats\.md/);
  assert.match(texts[1 + verbs.indexOf('replay')], /docs\/models\.md/);
  assert.match(texts[1 + verbs.indexOf('synth')], /docs\/guest-patterns\.md/);
});
