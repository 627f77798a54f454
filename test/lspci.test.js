'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseLspci, readLspciFile } = require('../dist/capture/lspci.js');

const shared = path.resolve(__dirname, '..', '..', 'shared');
const pciutilsDir = path.join(shared, 'peers', 'pciutils-tests');
const publicDir = path.join(shared, 'samples', 'public');
const e1000eFile = path.join(shared, 'samples', 'qemu-7.2-linux-6.1-e1000e', 'lspci-vv.txt');

function geometry(d) {
  return {
    bdf: d.bdf, line: d.line, msixEnabled: d.msixEnabled, entries: d.entries,
    tableBar: d.tableBar, tableOffset: d.tableOffset, pbaBar: d.pbaBar, pbaOffset: d.pbaOffset,
    tableGpa: d.tableGpa, pbaGpa: d.pbaGpa, barDisabled: d.barDisabled,
  };
}

function g(bdf, line, msixEnabled, entries, tableBar, tableOffset, pbaBar, pbaOffset, tableGpa, pbaGpa, barDisabled = false) {
  return { bdf, line, msixEnabled, entries, tableBar, tableOffset, pbaBar, pbaOffset, tableGpa, pbaGpa, barDisabled };
}

// Worked out by hand from each file: Region <BIR> base + the offsets on the Vector table / PBA lines.
const PCIUTILS = {
  // old wording "Enable- Mask- TabSize=128"; 64-bit BARs in slots 0 and 2; Region 2 = 53100000
  'cap-address-xlation': [g('0000:02:00.0', 28, false, 128, 2, 0xf0000n, 2, 0xf9000n, 0x531f0000n, 0x531f9000n)],
  // Region 0 = c0100000, no [size=]
  'cap-aer-root': [g('0000:03:00.0', 334, true, 256, 0, 0x7c000n, 0, 0x7d000n, 0xc017c000n, 0xc017d000n)],
  'cap-dev3': [g('0000:01:00.0', 42, true, 16, 0, 0x2000n, 0, 0x2100n, 0xfc802000n, 0xfc802100n)],
  // every region [disabled]; Region 4 = 10811000
  'cap-doe': [g('0000:df:00.0', 9, false, 2, 4, 0n, 4, 0x800n, 0x10811000n, 0x10811800n, true)],
  // domain 0002, "[virtual] Memory at 843060000000" in Region 4
  'cap-ea-1': [g('0002:01:00.0', 27, true, 10, 4, 0n, 4, 0xf0000n, 0x843060000000n, 0x8430600f0000n)],
  // 10th device of a large dump; Region 1 = e6040000
  'cap-exp-lnkcap2': [g('0000:09:00.0', 1034, true, 16, 1, 0n, 1, 0xfa0n, 0xe6040000n, 0xe6040fa0n)],
  'cap-flitmode': [g('0000:01:00.0', 42, true, 16, 0, 0x2000n, 0, 0x2100n, 0xfc802000n, 0xfc802100n)],
  // old wording "Enable+ Mask- TabSize=10"; Region 3 = e0840000
  'cap-pcie-2': [g('0000:01:00.0', 18, true, 10, 3, 0n, 3, 0x2000n, 0xe0840000n, 0xe0842000n)],
  // space indentation; the SR-IOV capability's own "Region 0: Memory at 0000000088408000" is not BAR 0
  'cap-phy32': [g('0000:2e:00.0', 41, false, 129, 0, 0x4000n, 0, 0x3000n, 0x88404000n, 0x88403000n)],
  // two MSI-X devices; Region 4 = 50000000 (64-bit, slots 2 and 4 in use), Region 0 = 56100000
  'cap-vc-and-rcl': [
    g('0000:01:00.0', 1750, false, 2, 4, 0n, 4, 0x800n, 0x50000000n, 0x50000800n),
    g('0000:02:00.0', 2047, false, 1, 0, 0n, 0, 0n, 0x56100000n, 0x56100000n),
  ],
  // two QEMU virtio devices; Region 1 = febd6000, Region 0 = a0008000
  'cap-vendor-virtio': [
    g('0000:00:09.0', 12, true, 3, 1, 0n, 1, 0x800n, 0xfebd6000n, 0xfebd6800n),
    g('0000:00:04.0', 48, true, 3, 0, 0n, 0, 0x2000n, 0xa0008000n, 0xa000a000n),
  ],
  // 64-bit BAR above 4G: Region 0 = 206ffff40000
  'pri-pasid': [g('0000:6a:01.0', 24, true, 9, 0, 0x2000n, 0, 0x3000n, 0x206ffff42000n, 0x206ffff43000n)],
};

const PUBLIC = {
  'lspci-vvxxx-old-TabSize-msix.txt': PCIUTILS['cap-pcie-2'],
  'lspci-vvxxx-qemu-virtio-msix.txt': PCIUTILS['cap-vendor-virtio'],
};

const withoutVectorLines = (text) => text.replace(/^[ \t]*(Vector table|PBA):.*\r?\n/gm, '');
// Dropping lines moves the later capabilities up, so derived texts are compared without `line`.
const lineless = ({ line, ...rest }) => rest;

test('pciutils test dumps: every MSI-X capability, 14 in 12 files', { skip: !fs.existsSync(pciutilsDir) }, () => {
  const files = fs.readdirSync(pciutilsDir).filter((f) => f !== 'README.md').sort();
  assert.deepEqual(files, Object.keys(PCIUTILS).sort());
  let caps = 0;
  for (const f of files) {
    const got = readLspciFile(path.join(pciutilsDir, f)).map(geometry);
    assert.deepEqual(got, PCIUTILS[f], f);
    caps += got.length;
  }
  assert.equal(caps, 14);
});

test('pciutils test dumps: names and ids from the first line', { skip: !fs.existsSync(pciutilsDir) }, () => {
  const [doe] = readLspciFile(path.join(pciutilsDir, 'cap-doe'));
  assert.equal(doe.name, 'Class 0502: Device 8086:0d93 (rev 01) (prog-if 10)');
  assert.equal(doe.vendor, 0x8086);
  assert.equal(doe.deviceId, 0x0d93);
  const [ea] = readLspciFile(path.join(pciutilsDir, 'cap-ea-1'));
  assert.equal(ea.name, 'Ethernet controller: Cavium, Inc. THUNDERX Network Interface Controller (rev 08)');
  assert.equal(ea.vendor, null);
  assert.equal(ea.deviceId, null);
});

test('pciutils test dumps: -xxx hex fallback gives the same geometry without Vector table/PBA lines', { skip: !fs.existsSync(pciutilsDir) }, () => {
  for (const f of Object.keys(PCIUTILS)) {
    const got = parseLspci(withoutVectorLines(fs.readFileSync(path.join(pciutilsDir, f), 'utf8'))).map(geometry);
    assert.deepEqual(got.map(lineless), PCIUTILS[f].map(lineless), f);
  }
});

test('pciutils test dumps: -vxxx (no Region labels) places regions by the config-space BARs', { skip: !fs.existsSync(pciutilsDir) }, () => {
  const asPlainV = (text) => withoutVectorLines(text).replace(/^([ \t]+)Region \d+: /gm, '$1');
  for (const f of Object.keys(PCIUTILS)) {
    const got = parseLspci(asPlainV(fs.readFileSync(path.join(pciutilsDir, f), 'utf8'))).map(geometry);
    // Enhanced Allocation: config BARs are zero, so the [virtual] regions cannot be numbered.
    const want = f === 'cap-ea-1' ? PCIUTILS[f].map((d) => ({ ...d, tableGpa: null, pbaGpa: null })) : PCIUTILS[f];
    assert.deepEqual(got.map(lineless), want.map(lineless), f);
  }
});

test('public samples: old TabSize wording and QEMU virtio with hex dump', { skip: !fs.existsSync(publicDir) }, () => {
  for (const [f, want] of Object.entries(PUBLIC)) {
    assert.deepEqual(readLspciFile(path.join(publicDir, f)).map(geometry), want, f);
  }
});

test('e1000e guest sample: table febc0000, 5 entries, PBA febc2000', { skip: !fs.existsSync(e1000eFile) }, () => {
  const devices = readLspciFile(e1000eFile);
  assert.equal(devices.length, 1);
  const [d] = devices;
  assert.deepEqual(geometry(d), g('0000:00:01.0', 29, true, 5, 3, 0n, 3, 0x2000n, 0xfebc0000n, 0xfebc2000n));
  assert.equal(d.vendor, 0x8086);
  assert.equal(d.deviceId, 0x10d3);
  assert.equal(d.name, 'Ethernet controller [0200]: Intel Corporation 82574L Gigabit Network Connection [8086:10d3]');
});

// ---- synthetic inputs, one per grammar variant ----

const E1000E_TABS = [
  '00:01.0 Ethernet controller [0200]: Intel Corporation 82574L Gigabit Network Connection [8086:10d3]',
  '\tSubsystem: Intel Corporation Device [8086:0000]',
  '\tRegion 0: Memory at feb80000 (32-bit, non-prefetchable) [size=128K]',
  '\tRegion 2: I/O ports at c040 [size=32]',
  '\tRegion 3: Memory at febc0000 (32-bit, non-prefetchable) [size=16K]',
  '\tExpansion ROM at feb40000 [disabled] [size=256K]',
  '\tCapabilities: [a0] MSI-X: Enable+ Count=5 Masked-',
  '\t\tVector table: BAR=3 offset=00000000',
  '\t\tPBA: BAR=3 offset=00002000',
  '\tKernel driver in use: e1000e',
  '',
].join('\n');

test('tabs, spaces and CRLF give the same result', () => {
  const want = [g('0000:00:01.0', 7, true, 5, 3, 0n, 3, 0x2000n, 0xfebc0000n, 0xfebc2000n)];
  assert.deepEqual(parseLspci(E1000E_TABS).map(geometry), want);
  assert.deepEqual(parseLspci(E1000E_TABS.replace(/\t/g, '        ')).map(geometry), want);
  assert.deepEqual(parseLspci(E1000E_TABS.replace(/\t/g, '    ')).map(geometry), want);
  assert.deepEqual(parseLspci(E1000E_TABS.replace(/\n/g, '\r\n')).map(geometry), want);
});

test('domain printed (-D) or not; -PP bridge path prefix', () => {
  assert.equal(parseLspci(E1000E_TABS.replace(/^00:01\.0/, '0000:00:01.0'))[0].bdf, '0000:00:01.0');
  assert.equal(parseLspci(E1000E_TABS.replace(/^00:01\.0/, '10000:e1:00.0'))[0].bdf, '10000:e1:00.0');
  assert.equal(parseLspci(E1000E_TABS.replace(/^00:01\.0/, '00:1c.0/01:00.0'))[0].bdf, '0000:01:00.0');
});

test('64-bit BAR in slots 0 and 2, above 4G', () => {
  const text = [
    '0000:3b:00.0 Ethernet controller [0200]: Intel Corporation Ethernet Controller X710 [8086:1572] (rev 02)',
    '\tRegion 0: Memory at 38bffe000000 (64-bit, prefetchable) [size=16M]',
    '\tRegion 3: Memory at 38bfff008000 (64-bit, prefetchable) [size=32K]',
    '\tCapabilities: [70] MSI-X: Enable+ Count=129 Masked-',
    '\t\tVector table: BAR=3 offset=00000000',
    '\t\tPBA: BAR=3 offset=00001000',
  ].join('\n');
  const [d] = parseLspci(text);
  assert.deepEqual(geometry(d), g('0000:3b:00.0', 4, true, 129, 3, 0n, 3, 0x1000n, 0x38bfff008000n, 0x38bfff009000n));
  assert.equal(d.vendor, 0x8086);
  assert.equal(d.deviceId, 0x1572);
});

test('unassigned, ignored and broken BARs: no address, barDisabled', () => {
  for (const addr of ['<unassigned>', '<ignored>', '<broken-64-bit-slot>']) {
    const text = E1000E_TABS.replace('Memory at febc0000', `Memory at ${addr}`);
    const [d] = parseLspci(text);
    assert.equal(d.tableGpa, null, addr);
    assert.equal(d.pbaGpa, null, addr);
    assert.equal(d.barDisabled, true, addr);
    assert.equal(d.tableOffset, 0n);
  }
});

test('[disabled] BAR keeps its address and sets barDisabled; a disabled other BAR does not', () => {
  const [d] = parseLspci(E1000E_TABS.replace('[size=16K]', '[disabled] [size=16K]'));
  assert.equal(d.tableGpa, 0xfebc0000n);
  assert.equal(d.barDisabled, true);
  const [other] = parseLspci(E1000E_TABS.replace('[size=128K]', '[disabled] [size=128K]'));
  assert.equal(other.barDisabled, false);
});

test('[virtual] and [enhanced] before or after the address', () => {
  for (const [from, to] of [
    ['Region 3: Memory at febc0000 (32-bit, non-prefetchable)', 'Region 3: [virtual] Memory at febc0000 (32-bit, non-prefetchable)'],
    ['(32-bit, non-prefetchable) [size=16K]', '(32-bit, non-prefetchable) [virtual] [size=16K]'],
    ['Region 3: Memory at febc0000 (32-bit, non-prefetchable)', 'Region 3: [enhanced] Memory at febc0000 (32-bit, non-prefetchable)'],
    ['(32-bit, non-prefetchable) [size=16K]', '(32-bit, non-prefetchable) [enhanced] [size=16K]'],
  ]) {
    const [d] = parseLspci(E1000E_TABS.replace(from, to));
    assert.equal(d.tableGpa, 0xfebc0000n, to);
    assert.equal(d.barDisabled, false, to);
  }
});

test('old "Enable+ Mask- TabSize=N" wording', () => {
  const [d] = parseLspci(E1000E_TABS.replace('Enable+ Count=5 Masked-', 'Enable- Mask+ TabSize=5'));
  assert.equal(d.entries, 5);
  assert.equal(d.msixEnabled, false);
  assert.equal(d.tableGpa, 0xfebc0000n);
});

test('capability-internal "Region" lines (SR-IOV VF BARs) do not replace the device BAR', () => {
  const text = E1000E_TABS.replace('\tKernel driver', [
    '\tCapabilities: [160 v1] Single Root I/O Virtualization (SR-IOV)',
    '\t\tRegion 3: Memory at 00000000fe000000 (64-bit, non-prefetchable)',
    '\tKernel driver',
  ].join('\n'));
  assert.equal(parseLspci(text)[0].tableGpa, 0xfebc0000n);
});

// QEMU e1000e config space as `lspci -xxx` prints it; MSI-X at 0xa0: ctrl 0x8004, table BIR 3 + 0, PBA BIR 3 + 0x2000.
const E1000E_HEX = [
  '00: 86 80 d3 10 07 05 10 00 00 00 00 02 00 00 00 00',
  '10: 00 00 b8 fe 00 00 ba fe 41 c0 00 00 00 00 bc fe',
  '20: 00 00 00 00 00 00 00 00 00 00 00 00 86 80 00 00',
  '30: 00 00 b4 fe c8 00 00 00 00 00 00 00 0b 01 00 00',
  '40: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  '50: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  '60: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  '70: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  '80: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  '90: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  'a0: 11 00 04 80 03 00 00 00 03 20 00 00 00 00 00 00',
  'b0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  'c0: 00 00 00 00 00 00 00 00 01 d0 02 00 00 00 00 00',
  'd0: 05 e0 80 00 00 00 00 00 00 00 00 00 00 00 00 00',
  'e0: 10 a0 91 00 00 00 00 00 00 00 00 00 00 00 00 00',
  'f0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
];

const E1000E_PLAIN_V = [
  '00:01.0 Ethernet controller: Intel Corporation 82574L Gigabit Network Connection',
  '\tSubsystem: Intel Corporation Device 0000',
  '\tFlags: bus master, fast devsel, latency 0, IRQ 21',
  '\tMemory at feb80000 (32-bit, non-prefetchable) [size=128K]',
  '\tMemory at feba0000 (32-bit, non-prefetchable) [size=128K]',
  '\tI/O ports at c040 [size=32]',
  '\tMemory at febc0000 (32-bit, non-prefetchable) [size=16K]',
  '\tExpansion ROM at feb40000 [disabled] [size=256K]',
  '\tCapabilities: [c8] Power Management version 2',
  '\tCapabilities: [d0] MSI: Enable- Count=1/1 Maskable- 64bit+',
  '\tCapabilities: [e0] Express Root Complex Integrated Endpoint, MSI 00',
  '\tCapabilities: [a0] MSI-X: Enable+ Count=5 Masked-',
  '\tKernel driver in use: e1000e',
];

test('-v without Region labels or Vector table lines: no geometry unless a hex dump is present', () => {
  const [d] = parseLspci(E1000E_PLAIN_V.join('\n'));
  assert.deepEqual(geometry(d), g('0000:00:01.0', 12, true, 5, null, null, null, null, null, null));
  const [x] = parseLspci([...E1000E_PLAIN_V, ...E1000E_HEX, ''].join('\n'));
  assert.deepEqual(geometry(x), g('0000:00:01.0', 12, true, 5, 3, 0n, 3, 0x2000n, 0xfebc0000n, 0xfebc2000n));
});

test('-v + hex dump with a 64-bit BAR in slots 0-1: regions placed by config BARs, not by line order', () => {
  const text = [
    '01:00.0 Non-Volatile memory controller: Samsung Electronics Co Ltd NVMe SSD Controller (prog-if 02 [NVM Express])',
    '\tMemory at 2080000000 (64-bit, non-prefetchable) [size=16K]',
    '\tMemory at fc810000 (32-bit, non-prefetchable) [size=8K]',
    '\tCapabilities: [40] MSI-X: Enable+ Count=33 Masked-',
    '00: 4d 14 08 a8 06 04 10 00 00 02 08 01 00 00 00 00',
    '10: 04 00 00 80 20 00 00 00 00 00 81 fc 00 00 00 00',
    '20: 00 00 00 00 00 00 00 00 00 00 00 00 4d 14 01 a8',
    '30: 00 00 00 00 40 00 00 00 00 00 00 00 0b 01 00 00',
    '40: 11 00 20 80 02 00 00 00 02 10 00 00 00 00 00 00',
    '',
  ].join('\n');
  const [d] = parseLspci(text);
  // BIR 2 is the 32-bit BAR at fc810000 (slot 2, after the 64-bit pair 0-1).
  assert.deepEqual(geometry(d), g('0000:01:00.0', 4, true, 33, 2, 0n, 2, 0x1000n, 0xfc810000n, 0xfc811000n));
});

test('hex fallback needs the capability bytes: a 64-byte -x dump gives no geometry', () => {
  const [d] = parseLspci([...E1000E_PLAIN_V, ...E1000E_HEX.slice(0, 4)].join('\n'));
  assert.equal(d.tableBar, null);
  assert.equal(d.tableGpa, null);
});

test('only devices with MSI-X are returned; several devices in one text', () => {
  const text = [
    '00:1f.2 SATA controller [0106]: Intel Corporation 82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode] [8086:2922] (rev 02) (prog-if 01 [AHCI 1.0])',
    '\tRegion 5: Memory at febc4000 (32-bit, non-prefetchable) [size=4K]',
    '\tCapabilities: [80] MSI: Enable- Count=1/1 Maskable- 64bit+',
    '',
    E1000E_TABS,
    E1000E_TABS.replace(/^00:01\.0/, '00:02.0').replace('febc0000', 'fe000000'),
  ].join('\n');
  const got = parseLspci(text);
  assert.deepEqual(got.map((d) => [d.bdf, d.tableGpa]), [['0000:00:01.0', 0xfebc0000n], ['0000:00:02.0', 0xfe000000n]]);
  assert.equal(got[0].line, 11);
});

// ---- errors ----

function tmpFile(name, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lspci-test-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

test('no MSI-X capability: parseLspci returns [], readLspciFile throws one clear UserError', () => {
  const text = E1000E_TABS.split('\n').filter((l) => !/MSI-X|Vector table|PBA:/.test(l)).join('\n');
  assert.deepEqual(parseLspci(text), []);
  assert.deepEqual(parseLspci(''), []);
  const file = tmpFile('no-msix.txt', text);
  assert.throws(() => readLspciFile(file), (e) => {
    assert.equal(e.name, 'UserError');
    assert.equal(e.message, `${file}: no MSI-X capability found (pass the output of \`lspci -vv\`, run as root so capabilities are shown)`);
    return true;
  });
});

test('non-root lspci ("Capabilities: <access denied>") counts as no MSI-X', () => {
  const file = tmpFile('nonroot.txt', E1000E_TABS.replace(/\tCapabilities: \[a0\][^]*?PBA:.*\n/, '\tCapabilities: <access denied>\n'));
  assert.throws(() => readLspciFile(file), { name: 'UserError', message: /no MSI-X capability found/ });
});

test('malformed MSI-X lines: file:line UserError', () => {
  const cases = [
    [E1000E_TABS.replace('Count=5', 'Count=five'), 7, /malformed MSI-X capability line/],
    [E1000E_TABS.replace('Count=5', 'Count=0'), 7, /malformed MSI-X capability line/],
    [E1000E_TABS.replace('BAR=3 offset=00000000', 'BAR=? offset=00000000'), 8, /malformed MSI-X Vector table line/],
    [E1000E_TABS.replace('PBA: BAR=3 offset=00002000', 'PBA: BAR=3'), 9, /malformed MSI-X PBA line/],
  ];
  for (const [text, line, message] of cases) {
    const file = tmpFile('bad.txt', text);
    assert.throws(() => readLspciFile(file), (e) => {
      assert.equal(e.name, 'UserError');
      assert.ok(e.message.startsWith(`${file}:${line}: `), e.message);
      assert.match(e.message, message);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  }
});

test('unreadable file: UserError naming the file', () => {
  const file = path.join(os.tmpdir(), 'lspci-test-does-not-exist.txt');
  assert.throws(() => readLspciFile(file), (e) => e.name === 'UserError' && e.message.startsWith(`${file}: `));
});

test('"MSI-X" elsewhere (a subsystem name) is not a capability', () => {
  const text = E1000E_TABS.replace('Intel Corporation Device [8086:0000]', 'MYRICOM Inc. 10G-PCIE-8A (MSI-X firmware)');
  assert.equal(parseLspci(text).length, 1);
  assert.equal(parseLspci(text.replace(/\tCapabilities: \[a0\][^]*?PBA:.*\n/, '')).length, 0);
});
