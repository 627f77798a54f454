// The direct option reader (src/cli/options.ts parseDirect) must give each handler exactly what
// yargs gives it, or decline the line so that yargs reads it: checked here against yargs itself on
// the same option tables.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const yargs = require('yargs');
const { parseDirect, YARGS_CONFIG } = require('../dist/cli/options');

const CLI = path.join(__dirname, '..', 'dist', 'cli');
const verbModule = (verb) => require(path.join(CLI, verb));

function viaYargs(args) {
  const mod = verbModule(args[0]);
  let got = null;
  yargs(args).parserConfiguration(YARGS_CONFIG).command({ ...mod, handler: (a) => { got = a; } }).strict()
    .fail((msg, err) => { throw err || new Error(msg); }).parseSync();
  return got;
}

function handlerKeys(mod) {
  return [...Object.keys(mod.options.options), ...(mod.options.positional ? [mod.options.positional.name] : [])];
}

// Lines users type (README, bench, tests): every one must be read directly, as yargs reads it.
const PLAIN = [
  'capture traces/x/trace-msix.log --lspci traces/x/lspci-vv.txt -o t.msixtrace',
  'capture a.log b.log.gz --lspci=l.txt --output=t.msixtrace --strict',
  'capture trace-12345 -f qemu-simpletrace --table 0xfebc0000:5 --pba 0xfebc2000 -o t.msixtrace',
  'capture -f kvm-ftrace --lspci L -o t.msixtrace /dev/stdin',
  'capture a.log --table 0xfebc0000:5 --guest 7 -o t',
  'replay t.msixtrace',
  'replay t.msixtrace -m xen-4.1 -m kvm --by field',
  'replay t.msixtrace -m all --format json',
  'replay a.msixtrace b.msixtrace -m xen-4.7 --explain',
  'replay -m xen-4.7 t.msixtrace',
  'replay -m xen-4.7 -m kvm a.msixtrace b.msixtrace --by guest',
  'replay a.msixtrace -m xen-4.7 b.msixtrace',
  'replay t.msixtrace --cost forward=20,absorb=1 --start warm --interval 100ms --format csv',
  'replay t.msixtrace -m xen-3.4 --xen34-mod-quirk --salvage --by vcpu',
  'check traces/a/trace.msixtrace traces/b/trace.msixtrace --baseline traces/baseline.json',
  'check t.msixtrace --baseline b.json --update -m kvm -m xen-4.7 --start warm --tolerance 5%',
  'check t.msixtrace --baseline b.json --format json --junit report.xml',
  'dump t.msixtrace',
  'dump t.msixtrace --format csv --salvage',
  'dump /dev/stdin --header',
  'models',
  'models --format markdown',
  'report t.msixtrace --html r.html',
  'report a.msixtrace b.msixtrace -m kvm -m xen-4.7 --interval 100ms --html r.html --start warm --cost forward=9',
  'synth --scenario xen-2010 -o xen2010.msixtrace',
  'synth --scenario xen-2010 --duration 2s --seed 7 -o short.msixtrace',
  'synth --kernel 2.6.29 --guests 4 --duration 1s -o old.msixtrace',
  'synth --kernel 5.14 --device nvme --desched 0.25 --max-events 1000000 --setup --teardown -o n.msixtrace',
  'synth --list-scenarios --format markdown',
  'synth --list-scenarios',
];

// Lines only yargs may read: help, negations, unknown or repeated options, values
// that look like options, numbers yargs parses its own way, wrong positional counts, bad choices.
const UNUSUAL = [
  'capture --help',
  'capture a.log -o t --no-strict',
  'capture a.log -o t --strict=true',
  'capture a.log -o t -o u',
  'capture a.log --lspci',
  'capture a.log -o t --guest 0x10',
  'capture a.log -o t --guest -3',
  'capture a.log -o t --format nonsense',
  'capture a.log --lspci l',
  'capture -o t',
  'capture a.log -o t -- b.log',
  'replay t.msixtrace --by nothing',
  'replay t.msixtrace --unknown',
  'replay t.msixtrace -h',
  'replay',
  'check t.msixtrace',
  'dump a.msixtrace b.msixtrace',
  'dump',
  'models extra',
  'synth --setup=false -o x',
  'synth --no-setup -o x',
  'synth --guests 1e3 -o x',
  'synth --desched .5 -o x',
  'report t.msixtrace --html',
  'report t.msixtrace --html=',
];

test('plain command lines are read directly, exactly as yargs reads them', () => {
  for (const line of PLAIN) {
    const args = line.split(' ');
    const mod = verbModule(args[0]);
    const direct = parseDirect(args, args[0], mod.options);
    assert.ok(direct, `read directly: ${line}`);
    const y = viaYargs(args);
    for (const k of handlerKeys(mod)) assert.deepEqual(direct[k], y[k], `${line}: --${k}`);
  }
});

test('unusual command lines are left to yargs', () => {
  for (const line of UNUSUAL) {
    const args = line.split(' ');
    assert.equal(parseDirect(args, args[0], verbModule(args[0]).options), null, line);
  }
});

test('a line naming another verb is not read as this one', () => {
  assert.equal(parseDirect(['replay', 't.msixtrace'], 'dump', verbModule('dump').options), null);
});

test('typed values: numbers become numbers, strings stay strings, defaults fill in', () => {
  const d = parseDirect('synth --guests 24 --desched 0.25 --seed 7 --kernel 6.1 -o x'.split(' '), 'synth', verbModule('synth').options);
  assert.equal(d.guests, 24);
  assert.equal(d.desched, 0.25);
  assert.equal(d.kernel, '6.1');
  assert.equal(d.format, 'text');
  assert.equal(d.setup, undefined); // absent, not false: --no-setup has its own meaning
  const r = parseDirect(['replay', '123'], 'replay', verbModule('replay').options);
  assert.deepEqual(r.trace, ['123']);
  assert.equal(r.model, undefined); // every model: -m without a value is refused, not taken as all
});

test('the direct path and yargs give the same result end to end', () => {
  const { runCliSync } = require('./helpers/cli');
  const trace = path.join(__dirname, '..', 'traces', 'qemu-7.2-linux-6.1-e1000e-rebind', 'trace.msixtrace');
  const args = ['replay', trace, '-m', 'xen-4.1', '-m', 'kvm', '--by', 'field', '--format', 'json'];
  const direct = runCliSync(args);
  const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
  const y = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(main)}).main(JSON.parse(process.argv[1]), { viaYargs: true })`, JSON.stringify(args)],
    { encoding: 'utf8', maxBuffer: 1 << 24 });
  const viaY = { code: y.status, out: y.stdout, err: y.stderr };
  assert.equal(direct.code, 0, direct.err);
  assert.equal(viaY.code, 0, viaY.err);
  assert.equal(direct.out, viaY.out);
  assert.equal(JSON.parse(direct.out).results.length, 2);
});
