#!/usr/bin/env node
// Regenerates the README sections that come from the tool itself (the model table, the synth
// scenarios, the replay and --compare outputs), so they are never typed twice: node scripts/update-readme.js
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const readmePath = path.join(root, 'README.md');
const run = (...args) => execFileSync(process.execPath, [path.join(root, 'bin', 'msixtrace.js'), ...args], { encoding: 'utf8' }).trimEnd();

let text = fs.readFileSync(readmePath, 'utf8');
for (const [name, body] of [['models', run('models', '--format', 'markdown')], ['scenarios', run('synth', '--list-scenarios', '--format', 'markdown')]]) {
  const re = new RegExp(`(<!-- ${name}:begin -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
  if (!re.test(text)) throw new Error(`README.md has no ${name} markers`);
  text = text.replace(re, (_, a, b) => a + body + b);
}
// Command blocks whose output is shown: the ```sh command between the markers is run from the
// repository root (it names a bundled recording) and its output replaces the ```text block after it.
for (const name of ['replay-by-field', 'compare']) {
  const re = new RegExp(`(<!-- ${name}:begin -->\\n\`\`\`sh\\n)(msixtrace [^\\n]*)(\\n\`\`\`\\n\\n\`\`\`text\\n)[\\s\\S]*?(\`\`\`\\n<!-- ${name}:end -->)`);
  const m = re.exec(text);
  if (!m) throw new Error(`README.md has no ${name} command block`);
  const args = m[2].replace(/^msixtrace /, '').split(' ');
  text = text.replace(re, (_, a, cmd, b, c) => a + cmd + b + run(...args) + '\n' + c);
}
fs.writeFileSync(readmePath, text);
