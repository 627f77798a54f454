// The README's replay outputs between <!-- replay-by-field:begin/end --> and <!-- compare:begin/end -->
// are what the command above each prints now (scripts/update-readme.js regenerates them).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { runCliSync } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

for (const name of ['replay-by-field', 'compare']) {
  test(`README ${name} block is the command's current output`, () => {
    const m = new RegExp(`<!-- ${name}:begin -->\\n\`\`\`sh\\n(msixtrace [^\\n]*)\\n\`\`\`\\n\\n\`\`\`text\\n([\\s\\S]*?)\`\`\`\\n<!-- ${name}:end -->`).exec(readme);
    assert.ok(m, `no ${name} block`);
    const r = runCliSync(m[1].replace(/^msixtrace /, '').split(' '), { cwd: ROOT });
    assert.equal(r.code, 0, r.err);
    assert.equal(m[2], r.out, 'run node scripts/update-readme.js');
  });
}

test('the README compare block answers the 4.1 -> 4.19 question with real numbers', () => {
  assert.match(readme, /^total\s+all\s+148\s+227\s+\+79\s+x1\.53/m);
  assert.match(readme, /^device-model CPU: 0\.002220 s -> 0\.003405 s/m);
});
