// No hang at exit (nodejs/node#54918): a few hundred short captures through bin/msixtrace, as users
// run it, on a machine kept busy; every run must end. The 1,000-run figure is in bench/RESULTS.md
// (node scripts/exit-stress.js --results).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { stress } = require('../scripts/exit-stress.js');

// About 40 s on an idle 2-core machine; the generous timeout is for a machine shared with other work.
test('200 short captures under CPU load: no run hangs at exit', { timeout: 600000 }, async () => {
  const r = await stress({ runs: 200, jobs: 2, load: 1, timeoutS: 30, lines: 1000 });
  assert.equal(r.failures, 0, r.firstFailure ?? '');
  assert.equal(r.hangs, 0, `${r.hangs} of ${r.runs} runs hung at exit`);
});
