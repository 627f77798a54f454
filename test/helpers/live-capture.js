'use strict';
// Pieces of the live-capture tests (signals, Ctrl-C): a QEMU log line of one MSI-X table write
// (entry i % 5, rising stamps) and polling for a condition.
const line = (i) => `19028@1795667403.${String(100 + i).padStart(6, '0')}:memory_region_ops_write cpu 1 mr 0x7f78700d4650 addr 0x${(0xfebc0000 + 4 * (i % 20)).toString(16)} value 0x${i.toString(16)} size 4 name 'msix-table'\n`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, cond, ms = 20000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

module.exports = { line, sleep, until };
