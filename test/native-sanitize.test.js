// The native models under AddressSanitizer + UndefinedBehaviorSanitizer: scripts/sanitize.sh builds
// fuzz/random_feed.c with native/*.c and feeds 10 M random events (odd offsets, sizes, vCPUs,
// devices and geometries) through every model, cold and warm, checking the counter/decision
// invariants after every batch. About 25-35 s on 2 cores. Skipped where no C compiler has working
// sanitizers. MSX_SANITIZE_SEED picks another seed (default 1; a failure names its seed).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const SCRIPT = path.resolve(__dirname, '..', 'scripts', 'sanitize.sh');
const EVENTS = 10_000_000;
const SEED = process.env.MSX_SANITIZE_SEED || '1';
const SKIP = 77; // sanitize.sh: no compiler with working -fsanitize=address,undefined

test(`native models under ASan+UBSan: ${EVENTS} random events through every model (seed ${SEED})`, { timeout: 300_000 }, (t) => {
  const r = spawnSync('bash', [SCRIPT, String(EVENTS), SEED], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 280_000 });
  if (r.status === SKIP) {
    t.skip(r.stderr.trim().split('\n').pop() || 'no C compiler with sanitizers');
    return;
  }
  const out = `--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.equal(r.error, undefined, `sanitize.sh did not finish: ${r.error}\n${out}`);
  assert.doesNotMatch(r.stderr, /runtime error/, out);
  assert.doesNotMatch(r.stderr, /ERROR: (Address|Leak|UndefinedBehavior)Sanitizer/, out);
  assert.doesNotMatch(r.stderr, /VIOLATION/, out);
  assert.equal(r.status, 0, out);
  assert.match(r.stdout, new RegExp(`random_feed OK: seed ${SEED}, ${EVENTS} events generated`), out);
});
