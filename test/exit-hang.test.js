// No hang at exit (nodejs/node#54918): a few hundred short captures through bin/msixtrace, as users
// run it, on a machine kept busy; every run must end. The 1,000-run figure is in bench/RESULTS.md
// (node scripts/exit-stress.js --results).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { stress } = require('../scripts/exit-stress.js');

test('300 short captures under CPU load: no run hangs at exit', { timeout: 240000 }, async () => {
  const r = await stress({ runs: 300, jobs: 2, load: 1, timeoutS: 20, lines: 2000 });
  assert.equal(r.failures, 0, r.firstFailure ?? '');
  assert.equal(r.hangs, 0, `${r.hangs} of ${r.runs} runs hung at exit`);
});
