// Sequences that change state, with per-access outcomes and the Xen-side counters, all from the spec.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MODELS, C_DEFERRED, C_CRASH, ctr, run, reasonText } = require('./models-harness.test.js');

const e = (n, o) => n * 16 + o;
const XEN = MODELS.slice(1, 8);

function expectAll(seq, opts, want) {
  for (const [m, out, deferred] of want) {
    const r = run(m, seq, opts);
    assert.deepEqual(r.out, out.split(' '), `${m} outcomes`);
    if (deferred !== undefined) assert.equal(r.c[C_DEFERRED], BigInt(deferred), `${m} deferred unmasks`);
  }
}

test('address write then unmask (warm): F set forwards the unmask; D2+ unmask again at completion', () => {
  const seq = [['W', 4, e(0, 0), 0xfee01004], ['W', 4, e(0, 4), 0], ['W', 4, e(0, 8), 0x23], ['W', 4, e(0, 12), 0]];
  expectAll(seq, { start: 'warm' }, [
    ['forward-all', 'F F F F', 0], ['xen-3.4', 'F F F F', 0], ['xen-4.1', 'F F F F', 0], ['xen-4.2', 'F F F F', 0],
    ['xen-4.4', 'F F F F', 1], ['xen-4.6', 'F F F F', 1], ['xen-4.7', 'F F F F', 1], ['xen-4.19', 'B B B B', 1],
    ['xen-vpci', 'A A A A', 0],
  ]);
  // the deferred unmask is not an access: vector_ctrl writes counted once
  const r = run('xen-4.7', seq, { start: 'warm' });
  assert.equal(r.c[ctr('vector_ctrl', 1, 1)] + r.c[ctr('vector_ctrl', 1, 0)], 1n);
});

test('mask then flush read of table offset 0 (warm, no earlier addr write)', () => {
  const seq = [['W', 4, e(0, 12), 1], ['R', 4, e(0, 0)]];
  expectAll(seq, { start: 'warm' }, [
    ['forward-all', 'F F'], ['xen-3.4', 'A F'], ['xen-4.1', 'A A'], ['xen-4.2', 'A A'], ['xen-4.4', 'A A'],
    ['xen-4.6', 'A F'], ['xen-4.7', 'A F'], ['xen-4.19', 'B F'], ['xen-vpci', 'A A'],
  ]);
});

test('addr write, mask, flush read (warm): the masking write with F set', () => {
  const seq = [['W', 4, e(0, 0), 1], ['W', 4, e(0, 12), 1], ['R', 4, e(0, 0)], ['W', 4, e(0, 12), 0]];
  expectAll(seq, { start: 'warm' }, [
    // B/C/C'/D1: F set forwards the mask and clears F, so the unmask is absorbed
    ['xen-3.4', 'F F F A', 0], ['xen-4.1', 'F F A A', 0], ['xen-4.2', 'F F A A', 0], ['xen-4.4', 'F F A A', 0],
    // D3: the mask is absorbed and F stays set, so the unmask is forwarded with a deferred unmask
    ['xen-4.6', 'F A A F', 1], ['xen-4.7', 'F A A F', 1], ['xen-4.19', 'B B A B', 1],
  ]);
  assert.equal(reasonText(run('xen-4.6', seq, { start: 'warm' }).reasons[1]), 'masking write absorbed, F stays set');
});

test('Linux first setup from cold: writes, unmask (binds), mask, flush read', () => {
  const seq = [['W', 4, e(0, 0), 0xfee01004], ['W', 4, e(0, 4), 0], ['W', 4, e(0, 8), 0x23], ['W', 4, e(0, 12), 0],
    ['W', 4, e(0, 12), 1], ['R', 4, e(0, 0)]];
  expectAll(seq, {}, [
    ['forward-all', 'F F F F F F', 0],
    ['xen-3.4', 'F F F F A F', 0],
    ['xen-4.1', 'F F F F A A', 0], // registration zeroed the cache, no valid bits: 0 is served
    ['xen-4.2', 'F F F F A A', 0],
    ['xen-4.4', 'F F F F A A', 0], // the registering unmask was decided unregistered: no UA
    ['xen-4.6', 'F F F F A F', 0], // no D5: the first unmask is lost; V clear after registration
    ['xen-4.7', 'F F F F A F', 1], // D5: snooped unmask, the bind matches, Xen unmasks at completion
    ['xen-4.19', 'F F F F B F', 1],
    ['xen-vpci', 'A A A A A A', 0],
  ]);
  assert.match(reasonText(run('xen-4.7', seq).reasons[3]), /snooped/);
  assert.match(reasonText(run('xen-4.6', seq).reasons[5]), /not valid/);
});

test('unmask before registration (D5 snoop), dword and qword, any vCPU including -1', () => {
  for (const vcpu of [0, 1, -1, 7000]) {
    const dword = [['W', 4, e(1, 8), 0x24, 0, 'T', vcpu], ['W', 4, e(1, 12), 0, 0, 'T', vcpu]];
    const qword = [['W', 4, e(1, 0), 1, 0, 'T', vcpu], ['W', 8, e(1, 8), 0x24, 0, 'T', vcpu]];
    for (const seq of [dword, qword]) {
      for (const m of XEN) {
        const want = m === 'xen-4.7' || m === 'xen-4.19' ? 1n : 0n;
        assert.equal(run(m, seq).c[C_DEFERRED], want, `${m} vcpu ${vcpu} size ${seq[1][1]}`);
      }
    }
  }
  // a masking qword, or an unmask qemu does not bind (no addr/data write before), sets nothing up
  assert.equal(run('xen-4.7', [['W', 8, e(0, 8), 1, 1]]).c[C_DEFERRED], 0n);
  assert.equal(run('xen-4.7', [['W', 4, e(0, 12), 0]]).c[C_DEFERRED], 0n);
  // a later bind of another entry does not pick up an old snoop: it is cleared at completion
  const r = run('xen-4.7', [['W', 4, e(0, 12), 0], ['W', 4, e(1, 0), 1], ['W', 4, e(1, 12), 0]]);
  assert.equal(r.c[C_DEFERRED], 1n);
});

test('deferred unmask counting over repeated rebinds (warm)', () => {
  const cycle = (n, v) => [['W', 4, e(n, 12), 1], ['W', 4, e(n, 0), v], ['W', 4, e(n, 8), 0x30], ['W', 4, e(n, 12), 0]];
  const seq = [...cycle(0, 1), ...cycle(1, 2), ...cycle(3, 3), ...cycle(0, 4)];
  const want = { 'forward-all': 0, 'xen-3.4': 0, 'xen-4.1': 0, 'xen-4.2': 0, 'xen-4.4': 4, 'xen-4.6': 4, 'xen-4.7': 4,
    'xen-4.19': 4, 'xen-vpci': 0 };
  for (const m of MODELS) assert.equal(run(m, seq, { start: 'warm' }).c[C_DEFERRED], BigInt(want[m]), m);
  // xen-4.4 forwards a mask with F set too (no deferred unmask for it)
  assert.deepEqual(run('xen-4.4', [['W', 4, e(0, 0), 1], ['W', 4, e(0, 12), 1]], { start: 'warm' }).out, ['F', 'F']);
  assert.equal(run('xen-4.4', [['W', 4, e(0, 0), 1], ['W', 4, e(0, 12), 1]], { start: 'warm' }).c[C_DEFERRED], 0n);
});

test('xen-4.6 qword unmask bug: the completion hits the data word, leaves F set, the unmask is lost', () => {
  const seq = [['W', 8, e(0, 8), 0x23, 0], ['W', 4, e(0, 12), 1], ['W', 4, e(0, 12), 0], ['R', 4, e(0, 8)]];
  const r46 = run('xen-4.6', seq, { start: 'warm' });
  assert.deepEqual(r46.out, ['F', 'A', 'F', 'A']);
  assert.equal(r46.c[C_DEFERRED], 2n); // the data-word completion ran (and failed), then a real one
  assert.match(reasonText(r46.reasons[0]), /4\.6\.0 bug/);
  const r47 = run('xen-4.7', seq, { start: 'warm' }); // 7d8519f63a: completion at vector_ctrl
  assert.deepEqual(r47.out, ['F', 'A', 'A', 'A']);
  assert.equal(r47.c[C_DEFERRED], 1n);
  const r419 = run('xen-4.19', seq, { start: 'warm' });
  assert.deepEqual(r419.out, ['B', 'B', 'B', 'A']);
  assert.equal(r419.c[C_DEFERRED], 1n);
});

test('xen-4.19 both: counted under write as forwarded and both, never absorbed', () => {
  const seq = [['W', 4, e(0, 12), 1], ['W', 4, e(2, 8), 5], ['W', 8, e(1, 0), 1, 2], ['W', 2, e(0, 12), 0]];
  const r = run('xen-4.19', seq, { start: 'warm' });
  assert.deepEqual(r.out, ['B', 'B', 'B', 'F']);
  assert.equal(r.c[ctr('vector_ctrl', 1, 0)], 0n);
  assert.equal(r.c[ctr('vector_ctrl', 1, 1)], 2n);
  assert.equal(r.c[ctr('vector_ctrl', 1, 2)], 1n);
  assert.equal(r.c[ctr('data', 1, 2)], 1n);
  assert.equal(r.c[ctr('addr_lo', 1, 2)], 1n);
  // 4.6 / 4.7: both only for a qword at o 8 whose high dword masks
  for (const m of ['xen-4.6', 'xen-4.7']) {
    const q = run(m, [['W', 8, e(0, 8), 0x23, 1]], { start: 'warm' });
    assert.equal(q.last, 'B', m);
    assert.equal(q.c[ctr('data', 1, 1)], 1n);
    assert.equal(q.c[ctr('data', 1, 2)], 1n);
  }
});

test('xen-4.6 last-byte crash is counted in guest_crash and only there', () => {
  const seq = [['W', 4, e(0, 0), 1], ['W', 4, e(0, 12), 0], ['R', 4, e(0, 13)], ['R', 4, e(0, 12)]];
  const r = run('xen-4.6', seq);
  assert.deepEqual(r.out, ['F', 'F', 'FX', 'A']);
  assert.equal(r.c[C_CRASH], 1n);
  for (const m of ['xen-4.4', 'xen-4.7', 'xen-4.19']) assert.equal(run(m, seq).c[C_CRASH], 0n, m);
});

test('PBA write on its own page crashes the guest from 4.1 on (counted once per write)', () => {
  const seq = [['R', 4, 0, 0, 0, 'P'], ['W', 4, 0, 0, 0, 'P'], ['W', 1, 2, 0, 0, 'P']];
  for (const m of MODELS) {
    const want = ['forward-all', 'xen-3.4', 'xen-vpci'].includes(m) ? 0n : 2n;
    assert.equal(run(m, seq).c[C_CRASH], want, m);
  }
  const r = run('xen-4.1', seq);
  assert.equal(r.c[ctr('pba', 1, 0)], 2n);
  assert.equal(r.c[ctr('pba', 0, 0)], 1n);
});

test('qemu ignores forwarded writes it rejects: unaligned / sub-dword addr writes do not enable a bind', () => {
  // 6.2: without an aligned dword (or aligned qword) addr/data write, qemu's unmask binds nothing,
  // so the table stays unregistered and the vector_ctrl read is forwarded.
  const seq = [['W', 2, e(0, 0), 1], ['W', 4, e(0, 2), 1], ['W', 4, e(0, 12), 0], ['R', 4, e(0, 12)]];
  for (const m of XEN) assert.equal(run(m, seq).last, 'F', m);
  const ok = [['W', 8, e(0, 0), 1, 0], ['W', 4, e(0, 12), 0], ['R', 4, e(0, 12)]];
  for (const m of XEN) assert.equal(run(m, ok).last, 'A', m);
});
