// synth's TimedHeap (src/synth/heap.ts) against a plain reference: entries come out by key, ties in
// insertion order, payloads intact, through random interleavings of pushes and pops (many equal
// keys, growth past the initial capacity, draining to empty and refilling).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { TimedHeap } = require('../dist/synth/heap.js');

function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

for (const seed of [1, 2, 3, 4]) {
  test(`pops in (key, insertion) order with payloads (seed ${seed})`, () => {
    const rnd = prng(seed);
    const heap = new TimedHeap(4);
    const ref = [];
    let n = 0;
    let popped = 0;
    const keys = seed % 2 ? [0, 1, 1, 2, 5, 5, 5, 1e14] : null;
    for (let step = 0; step < 20000; step++) {
      if (heap.size === 0 || rnd() < 0.55) {
        const key = keys ? keys[Math.floor(rnd() * keys.length)] : Math.floor(rnd() * 1000) * 1e3;
        heap.push(key, n, n * 2, -n);
        ref.push({ key, n });
        n++;
      } else {
        ref.sort((a, b) => a.key - b.key || a.n - b.n);
        const want = ref.shift();
        assert.equal(heap.minKey, want.key);
        assert.deepEqual([heap.top0, heap.top1, heap.top2], [want.n, want.n * 2, -want.n]);
        heap.pop();
        popped++;
      }
      assert.equal(heap.size, ref.length);
    }
    assert.ok(popped > 5000);
    while (heap.size) heap.pop();
    assert.equal(heap.minKey, Infinity);
  });
}
