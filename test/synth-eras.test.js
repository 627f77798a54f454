// Each era generator against the rows of docs/guest-patterns.md (A.1, A.2, A.3, A.4, A.5, A.7):
// the exact (dir, offset, value) sequence per event, for nvec = 3 vectors on a table of T = 5 entries.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MsixTable } = require('../dist/synth/table.js');
const { ERAS, eraOf, x86Msg, enableMsg } = require('../dist/synth/eras.js');
const { resolveKernel } = require('../dist/synth/kernel.js');

const T = 5;
const NVEC = 3;
// Real messages (as a 6.1 guest writes them: 0xfee01004 / 0xfee02004, data = vector), the message
// written at enable (E: reserved vector 0xef), and the message after an affinity move of vector 1.
const M = [0, 1, 2].map((n) => ({ lo: (0xfee00004 | ((1 << (n % 2)) << 12)) >>> 0, hi: 0, data: 0x23 + n }));
const E = [0, 1, 2].map(() => ({ lo: 0xfee01004, hi: 0, data: 0xef }));
const M1b = { lo: 0xfee01004, hi: 0, data: 0x24 };
const Z = { lo: 0, hi: 0, data: 0 };

// Spec notation -> expected accesses ['w'|'r', offset, value].
const Wm = (n, m) => [['w', 16 * n, m.lo], ['w', 16 * n + 4, m.hi], ['w', 16 * n + 8, m.data]];
const Rm = (n, m) => [['r', 16 * n, m.lo], ['r', 16 * n + 4, m.hi], ['r', 16 * n + 8, m.data]];
const Wc = (n, v) => [['w', 16 * n + 12, v]];
const Rc = (n, v) => [['r', 16 * n + 12, v]];
const Rd = (n, m) => [['r', 16 * n + 8, m.data]];
const R0 = (lo) => [['r', 0, lo]];
const cat = (...parts) => parts.flat();
const each = (count, fn) => cat(...Array.from({ length: count }, (_, i) => fn(i)));

/**
 * Runs the standard event script on a fresh device and returns the accesses of each step:
 * enable; request_irq 0..2; mask 1; unmask 1; PENDING round on 1; affinity move of 1; free_irq 0..2; disable.
 */
function script(kernel) {
  const k = resolveKernel(kernel);
  const era = eraOf(k);
  let got = [];
  const tab = new MsixTable(T, (dir, off, v) => got.push([dir ? 'w' : 'r', off, v]));
  const step = (fn) => { got = []; fn(); return got; };
  return {
    k,
    era,
    enable: step(() => era.enable(tab, k, NVEC, T, (n) => E[n])),
    request: [0, 1, 2].map((n) => step(() => era.requestIrq(tab, k, n, M[n]))),
    mask: step(() => era.mask(tab, k, 1)),
    unmask: step(() => era.unmask(tab, k, 1)),
    pending: step(() => { era.pendingMask(tab, k, 1); era.pendingUnmask(tab, k, 1); }),
    affinity: step(() => era.affinityMove(tab, k, 1, M1b)),
    free: [0, 1, 2].map((n) => step(() => era.freeIrq(tab, k, n))),
    disable: step(() => era.disable(tab, k, NVEC)),
  };
}

test('kernel versions and era names map to the spec eras', () => {
  const cases = {
    '2.6.21': '<=2.6.29', '2.6.29': '<=2.6.29', '<=2.6.29': '<=2.6.29', '2.6.30': '2.6.30-5.13', '2.6.32': '2.6.30-5.13',
    '2.6.32.69': '2.6.30-5.13', '3.10': '2.6.30-5.13', '4.19': '2.6.30-5.13', '5.10': '2.6.30-5.13', '5.13': '2.6.30-5.13',
    '2.6.30-5.13': '2.6.30-5.13', '5.14': '5.14', '4.19.205': '5.14', '4.14.245': '5.14', '4.19.204': '2.6.30-5.13',
    '5.15': '5.15-6.16', '6.1': '5.15-6.16', '6.16': '5.15-6.16', '5.15-6.16': '5.15-6.16', '6.17': '6.17+', '6.17+': '6.17+',
    '6.18': '6.17+', 'v6.1.55': '5.15-6.16',
  };
  for (const [v, era] of Object.entries(cases)) assert.equal(resolveKernel(v).era, era, v);
  for (const bad of ['', 'windows', '2.4.1x', '7', '2.6']) assert.throws(() => resolveKernel(bad), /unknown kernel/, bad);
  assert.equal(resolveKernel('2.6.32').readBack, true, '2.6.32 (2010): early 2.6.3x, Rm before the rewrite');
  assert.equal(resolveKernel('2.6.32.69').readBack, false, 'late 2.6.32.y: cached message');
  assert.equal(resolveKernel('4.14').reservation, false);
  assert.equal(resolveKernel('4.15').reservation, true);
});

test('<= 2.6.29: own Vector Control read twice; PENDING round = 6', () => {
  const s = script('2.6.29');
  assert.deepEqual(s.enable, each(NVEC, (n) => Wm(n, E[n])), 'A.1: ∀n Wm(n), nothing else');
  for (const n of [0, 1, 2]) assert.deepEqual(s.request[n], cat(Wc(n, 0), Rc(n, 0), Rc(n, 0), Rm(n, E[n]), Wm(n, M[n])), `A.2 request_irq ${n}`);
  assert.deepEqual(s.mask, cat(Wc(1, 1), Rc(1, 1), Rc(1, 1)), 'A.0 mask');
  assert.deepEqual(s.unmask, cat(Wc(1, 0), Rc(1, 0), Rc(1, 0)), 'A.0 unmask');
  assert.deepEqual(s.pending, cat(Wc(1, 1), Rc(1, 1), Rc(1, 1), Wc(1, 0), Rc(1, 0), Rc(1, 0)), 'A.3');
  assert.equal(s.pending.length, 6);
  assert.deepEqual(s.affinity, cat(Wc(1, 1), Rc(1, 1), Rc(1, 1), Rm(1, M[1]), Wm(1, M1b), Wc(1, 0), Rc(1, 0), Rc(1, 0)), 'A.4');
  for (const n of [0, 1, 2]) assert.deepEqual(s.free[n], cat(Wc(n, 1), Rc(n, 1), Rc(n, 1)), `A.5 free_irq ${n}`);
  assert.deepEqual(s.disable, each(NVEC, (n) => Wc(n, 1)), 'A.5 disable');
  assert.ok(![s.mask, s.unmask, s.pending, s.affinity].flat().some(([d, o]) => d === 'r' && o === 0), 'no R0 before 2.6.30');
});

test('2.6.30: enable masks first, reads back last; flush is R0', () => {
  const s = script('2.6.30');
  assert.deepEqual(s.enable, cat(each(NVEC, (n) => Wc(n, 1)), each(NVEC, (n) => Wm(n, E[n])), each(NVEC, (n) => Rc(n, 1))), 'A.1 2.6.30');
  assert.deepEqual(s.request[0], cat(Wc(0, 0), R0(E[0].lo), Rm(0, E[0]), Wm(0, M[0])), 'A.2 2.6.30: R0 reads entry 0');
  assert.deepEqual(s.request[2], cat(Wc(2, 0), R0(M[0].lo), Rm(2, E[2]), Wm(2, M[2])), 'A.2: R0 of entry 0 for vector 2 too');
  assert.deepEqual(s.pending, cat(Wc(1, 1), R0(M[0].lo), Wc(1, 0), R0(M[0].lo)), 'A.3: 4');
  assert.deepEqual(s.affinity, cat(Wc(1, 1), R0(M[0].lo), Rm(1, M[1]), Wm(1, M1b), Wc(1, 0), R0(M[0].lo)), 'A.4 2.6.30: [Rm]');
  assert.deepEqual(s.free[1], cat(Wc(1, 1), R0(M[0].lo)), 'A.5 free_irq');
  assert.deepEqual(s.disable, each(NVEC, (n) => Wc(n, 1)), 'A.5 disable: no flush');
});

test('2.6.31 - 5.13 (2.6.32 as in 2010): Wm x nvec then {Rc, Wc(mask)} x nvec; mask/unmask Wc,R0', () => {
  const s = script('2.6.32');
  assert.deepEqual(s.enable, cat(each(NVEC, (n) => Wm(n, E[n])), each(NVEC, (n) => cat(Rc(n, 1), Wc(n, 1)))), 'A.1 2.6.31-5.13');
  assert.deepEqual(s.request[0], cat(Wc(0, 0), R0(E[0].lo), Rm(0, E[0]), Wm(0, M[0])), 'A.2 early 2.6.3x');
  assert.deepEqual(s.request[1], cat(Wc(1, 0), R0(M[0].lo), Rm(1, E[1]), Wm(1, M[1])));
  assert.deepEqual(s.mask, cat(Wc(1, 1), R0(M[0].lo)), 'A.0 mask');
  assert.deepEqual(s.unmask, cat(Wc(1, 0), R0(M[0].lo)), 'A.0 unmask');
  assert.deepEqual(s.pending, cat(Wc(1, 1), R0(M[0].lo), Wc(1, 0), R0(M[0].lo)), 'A.3: 4, two of them R0');
  assert.deepEqual(s.affinity, cat(Wc(1, 1), R0(M[0].lo), Rm(1, M[1]), Wm(1, M1b), Wc(1, 0), R0(M[0].lo)), 'A.4 early: [Rm]');
  for (const n of [0, 1, 2]) assert.deepEqual(s.free[n], cat(Wc(n, 1), R0(M[0].lo)), `A.5 free_irq ${n}`);
  assert.deepEqual(s.disable, each(NVEC, (n) => Wc(n, 1)));
});

test('later 2.6.32.y - 4.14 (3.10): cached message, no Rm', () => {
  const s = script('3.10');
  assert.deepEqual(s.request[1], cat(Wc(1, 0), R0(M[0].lo), Wm(1, M[1])), 'A.2 later 2.6.32.y, 3.x, 4.x <= 4.14');
  assert.deepEqual(s.affinity, cat(Wc(1, 1), R0(M[0].lo), Wm(1, M1b), Wc(1, 0), R0(M[0].lo)), 'A.4 2.6.32.y(late) - 5.13');
  assert.deepEqual(s.free[2], cat(Wc(2, 1), R0(M[0].lo)));
});

test('4.15 - 5.13 (4.19): reservation mode activation, zero message on free_irq', () => {
  const s = script('4.19');
  assert.deepEqual(s.enable, cat(each(NVEC, (n) => Wm(n, E[n])), each(NVEC, (n) => cat(Rc(n, 1), Wc(n, 1)))));
  assert.deepEqual(s.request[0], cat(Wm(0, M[0]), Wc(0, 0), R0(M[0].lo), Wm(0, M[0])), 'A.2 4.15-5.13');
  assert.deepEqual(s.pending.length, 4);
  assert.deepEqual(s.affinity, cat(Wc(1, 1), R0(M[0].lo), Wm(1, M1b), Wc(1, 0), R0(M[0].lo)));
  assert.deepEqual(s.free[0], cat(Wc(0, 1), R0(M[0].lo), Wm(0, Z)), 'A.5 + zero Wm on domain kernels');
  // R0 after entry 0 was deactivated reads the zero message the device now holds.
  assert.deepEqual(s.free[1], cat(Wc(1, 1), R0(0), Wm(1, Z)));
});

test('5.14: mask-all of T at enable first; Rd after every message write; unmask still flushes', () => {
  const s = script('5.14');
  assert.deepEqual(s.enable, cat(each(T, (i) => Wc(i, 1)), each(NVEC, (n) => Rc(n, 1)), each(NVEC, (n) => cat(Wm(n, E[n]), Rd(n, E[n])))), 'A.1 5.14');
  assert.equal(s.enable.filter(([d, o]) => d === 'w' && o % 16 === 12).length, T, 'Wc x T');
  assert.deepEqual(s.request[0], cat(Wm(0, M[0]), Rd(0, M[0]), Wm(0, M[0]), Rd(0, M[0]), Wc(0, 0), R0(M[0].lo)), 'A.2 5.14');
  assert.deepEqual(s.mask, cat(Wc(1, 1), R0(M[0].lo)));
  assert.deepEqual(s.unmask, cat(Wc(1, 0), R0(M[0].lo)));
  assert.deepEqual(s.pending, cat(Wc(1, 1), R0(M[0].lo), Wc(1, 0), R0(M[0].lo)), 'A.3: 4');
  assert.deepEqual(s.affinity, cat(Wc(1, 1), R0(M[0].lo), Wm(1, M1b), Rd(1, M1b), Wc(1, 0), R0(M[0].lo)), 'A.4 5.14');
  assert.deepEqual(s.free[0], cat(Wc(0, 1), R0(M[0].lo), Wm(0, Z), Rd(0, Z)), 'A.5 5.14');
  assert.deepEqual(s.free[1], cat(Wc(1, 1), R0(0), Wm(1, Z), Rd(1, Z)));
  assert.deepEqual(s.disable, each(NVEC, (n) => Wc(n, 1)), 'A.5: no flush');
});

for (const [kernel, round] of [['6.1', 3], ['6.17', 0]]) {
  test(`${kernel}: unmask without flush; mask-all late; disable flushes; PENDING round = ${round}`, () => {
    const s = script(kernel);
    assert.deepEqual(s.enable, cat(each(NVEC, (n) => Rc(n, 1)), each(NVEC, (n) => cat(Wm(n, E[n]), Rd(n, E[n]))), each(T, (i) => Wc(i, 1))), 'A.1 5.15-6.x');
    for (const n of [0, 1, 2]) assert.deepEqual(s.request[n], cat(Wm(n, M[n]), Rd(n, M[n]), Wm(n, M[n]), Rd(n, M[n]), Wc(n, 0)), `A.2 ${n}`);
    assert.deepEqual(s.mask, cat(Wc(1, 1), R0(M[0].lo)));
    assert.deepEqual(s.unmask, Wc(1, 0));
    assert.deepEqual(s.pending, round ? cat(Wc(1, 1), R0(M[0].lo), Wc(1, 0)) : [], 'A.3');
    assert.equal(s.era.pendingAccesses, round);
    assert.deepEqual(s.affinity, cat(Wc(1, 1), R0(M[0].lo), Wm(1, M1b), Rd(1, M1b), Wc(1, 0)), 'A.4 5.15-6.x');
    assert.deepEqual(s.free[0], cat(Wc(0, 1), R0(M[0].lo), Wm(0, Z), Rd(0, Z)), 'A.5');
    assert.deepEqual(s.free[1], cat(Wc(1, 1), R0(0), Wm(1, Z), Rd(1, Z)), 'A.5: R0 reads the deactivated entry 0');
    assert.deepEqual(s.disable, each(NVEC, (n) => cat(Wc(n, 1), R0(0))), 'A.5 5.15-6.x: {Wc1, R0} x nvec');
  });
}

test('PENDING round lengths per era: 6 / 4 / 4 / 3 / 0', () => {
  assert.deepEqual(['2.6.29', '2.6.32', '5.14', '6.1', '6.17'].map((v) => script(v).pending.length), [6, 4, 4, 3, 0]);
  assert.deepEqual(Object.values(ERAS).map((e) => e.pendingAccesses), [6, 4, 4, 3, 0]);
});

test('6.1 matches the real recording (Linux 6.1, e1000e, T=5, nvec=3): per-phase read/write counts', () => {
  const s = script('6.1');
  const rw = (xs) => [xs.filter(([d]) => d === 'r').length, xs.filter(([d]) => d === 'w').length];
  assert.deepEqual(rw(s.enable), [6, 14], 'enable: 6 reads, 14 writes');
  assert.deepEqual(rw(s.request.flat()), [6, 21], 'request_irq x3: 6 reads, 21 writes');
  assert.deepEqual(rw([...s.free.flat(), ...s.disable]), [9, 15], 'teardown: 9 reads, 15 writes');
});

test('x86 message values are realistic per kernel', () => {
  const k61 = resolveKernel('6.1');
  assert.deepEqual(x86Msg(k61, 0x23, [0], 2), { lo: 0xfee01004, hi: 0, data: 0x23 }, '6.1 as recorded: 0xfee01004 / 0x23');
  assert.deepEqual(x86Msg(k61, 0x24, [1], 2), { lo: 0xfee02004, hi: 0, data: 0x24 });
  assert.deepEqual(enableMsg(k61, x86Msg(k61, 0x23, [1], 2), 2), { lo: 0xfee01004, hi: 0, data: 0xef }, 'reserved vector at enable');
  const k32 = resolveKernel('2.6.32');
  assert.deepEqual(x86Msg(k32, 0x41, [0, 1], 2), { lo: 0xfee0300c, hi: 0, data: 0x4141 }, 'lowest priority, logical, assert');
  assert.deepEqual(enableMsg(k32, x86Msg(k32, 0x41, [0, 1], 2), 2), x86Msg(k32, 0x41, [0, 1], 2), 'no reservation before 4.15');
  assert.deepEqual(x86Msg(resolveKernel('4.19'), 0x23, [5], 16), { lo: 0xfee05000, hi: 0, data: 0x4023 }, 'physical dest beyond 8 vCPUs');
});
