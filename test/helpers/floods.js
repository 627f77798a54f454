'use strict';
// Logs of the same size made from a real recording's lines (trace-msix.log, all MSI-X table
// accesses of one device), for the flood figures and tests:
//   good:      the lines as recorded;
//   malformed: the first line of each repetition kept, every other line given size 3 (malformed)
//              or cut after "value" (no region name: not an access of interest);
//   outside:   the first line kept, every other one moved to a second device's table
//              (0xfebd...) that the lspci listing does not show (a guest with two MSI-X devices).
const fs = require('fs');
const path = require('path');
const { REC, repeater, writeFile } = require('./biglog');

function variants() {
  const lines = fs.readFileSync(path.join(REC, 'trace-msix.log'), 'latin1').split('\n');
  const map = (f) => lines.map((l, i) => (i < 1 || !l ? l : f(l, i))).join('\n');
  return {
    good: lines.join('\n'),
    malformed: map((l, i) => (i % 2 ? l.replace(' size 4', ' size 3') : l.replace(/ value .*/, ' value'))),
    outside: map((l) => l.replace('addr 0xfebc', 'addr 0xfebd')),
  };
}

/** Writes dir/<kind>.log of at least `bytes` each (all kinds, or those named); returns { kind: file }. */
function writeFloods(dir, bytes, kinds = null) {
  const out = {};
  for (const [kind, text] of Object.entries(variants())) {
    if (kinds && !kinds.includes(kind)) continue;
    out[kind] = path.join(dir, `${kind}.log`);
    writeFile(out[kind], bytes, repeater(text));
  }
  return out;
}

module.exports = { LSPCI: path.join(REC, 'lspci-vv.txt'), writeFloods };
