'use strict';
// Large QEMU logs made on the fly from a real recording's lines: trace-msix.log repeated, each
// repetition's `tid@sec.usec:` stamps shifted past the previous one so that time keeps rising.
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const REC = path.join(ROOT, 'traces', 'qemu-7.2-linux-6.1-virtio-net-affinity');
const STAMP = /^(\d+)@(\d+)(\.\d+:)/gm;

/** A function giving repetition i of the log's text (Buffer), stamps shifted by i spans. */
function repeater(text = fs.readFileSync(path.join(REC, 'trace-msix.log'), 'latin1')) {
  const pieces = [];
  const secs = [];
  let last = 0;
  let first = null;
  for (const m of text.matchAll(STAMP)) {
    pieces.push(text.slice(last, m.index) + m[1] + '@');
    secs.push(Number(m[2]));
    first ??= Number(m[2]);
    last = m.index + m[1].length + 1 + m[2].length;
  }
  const tail = text.slice(last);
  const span = secs.length ? secs[secs.length - 1] - first + 1 : 0;
  return (i) => {
    let s = '';
    for (let k = 0; k < pieces.length; k++) s += pieces[k] + (secs[k] + i * span);
    return Buffer.from(s + tail, 'latin1');
  };
}

/** Writes at least `bytes` of repeated log to a writable stream, honouring backpressure. */
async function feed(stream, bytes, rep = repeater()) {
  let written = 0;
  for (let i = 0; written < bytes; i++) {
    const b = rep(i);
    written += b.length;
    if (!stream.write(b)) await new Promise((r) => stream.once('drain', r));
  }
  stream.end();
  return written;
}

/** Writes at least `bytes` of repeated log to a file; returns its size. */
function writeFile(file, bytes, rep = repeater()) {
  const fd = fs.openSync(file, 'w');
  let written = 0;
  try {
    for (let i = 0; written < bytes; i++) written += fs.writeSync(fd, rep(i));
  } finally {
    fs.closeSync(fd);
  }
  return written;
}

module.exports = { REC, repeater, feed, writeFile };
