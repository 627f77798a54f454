// The native models under AddressSanitizer + UndefinedBehaviorSanitizer: scripts/sanitize.sh builds
// fuzz/random_feed.c with every native/ source and feeds 10 M random events (odd offsets, sizes, vCPUs,
// devices and geometries) through every model, cold and warm, checking the counter/decision
// invariants after every batch. In a share of the rounds (2-3 M events) every batch is also encoded
// (msx_encode_batch), decoded back (msx_decode_batch, which must reproduce it) and run through the
// replay pipeline (msx_pipe_submit: keys-mode decode, per-model feed loops on worker threads), whose
// contexts' counters must equal msx_feed's; damaged messages must be refused alike by both decoders
// and feed nothing. About 30-40 s on 2 cores. Skipped where no C compiler has working sanitizers.
// MSX_SANITIZE_SEED picks another seed (default 1; a failure names its seed).
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
  // The pipeline part ran (so the check cannot silently vanish).
  const m = /pipeline: (\d+) events in (\d+) batches over (\d+) rounds .*?, (\d+) batches round-tripped through msx_decode_batch, (\d+) counter comparisons, (\d+) damaged messages checked \((\d+) refused alike/.exec(r.stdout);
  assert.ok(m, `no pipeline summary\n${out}`);
  const [events, batches, rounds, roundTrips, compares, damaged, refused] = m.slice(1).map(Number);
  assert.ok(events >= 500_000, `only ${events} events went through the pipeline\n${out}`);
  for (const [name, v] of Object.entries({ batches, rounds, roundTrips, compares, damaged, refused })) {
    assert.ok(v > 0, `pipeline ${name} is 0\n${out}`);
  }
});
