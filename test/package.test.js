// What `npm publish` would ship: everything an install needs to build the library and answer
// require('msixtrace') and the CLI, and none of the corpus, tests or benchmarks.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');

test('npm pack ships the build inputs, the built code and the docs, and nothing else', (t) => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error && r.error.code === 'ENOENT') {
    t.skip('npm not on PATH');
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  const files = JSON.parse(r.stdout)[0].files.map((f) => f.path);
  for (const need of ['package.json', 'README.md', 'binding.gyp', 'bin/msixtrace', 'bin/msixtrace.js', 'dist/index.js',
    'dist/index.d.ts', 'dist/cli/main.js', 'generated/msixtrace.js', 'generated/msixtrace.d.ts', 'proto/msixtrace.proto',
    'scripts/native-files.js', 'scripts/build-proto.js', 'scripts/tracedat-build.js', 'native/common/abi.c', 'native/capture/tracedat/tracedat.c', 'native/replay/state.h', 'docs/models.md',
    'docs/guest-patterns.md', 'docs/log-formats.md']) {
    assert.ok(files.includes(need), `${need} is shipped`);
  }
  const stray = files.filter((f) => /^(traces|test|bench|fuzz|build|node_modules|src)\//.test(f));
  assert.deepEqual(stray, []);
  const cSources = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'native-files.js'), 'sources'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim().split(/\s+/);
  for (const c of cSources) assert.ok(files.includes(c), `${c} (built at install) is shipped`);
});
