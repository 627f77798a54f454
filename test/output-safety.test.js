// The output writer (src/util/atomic.ts) from the outside: `-o -` into a pipe, links, FIFOs,
// devices, outputs that are inputs, full disks, file size limits, modes, temporary names an attacker
// could plant, long names, stale temporaries, write errors in words.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawn, spawnSync } = require('child_process');
const { BIN, NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const REC = path.join(ROOT, 'traces', 'qemu-7.2-linux-6.1-virtio-net-affinity');
const LOG = path.join(REC, 'trace-msix.log');
const LSPCI = path.join(REC, 'lspci-vv.txt');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-output-safety-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const NODE = [process.execPath, ...NODE_FLAGS, BIN].map((a) => `'${a}'`).join(' ');
const sh = (script, opts = {}) => spawnSync('sh', ['-c', script], { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
const run = (args, opts = {}) => spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
const dirOf = (name) => fs.mkdtempSync(path.join(tmp, `${name}-`));
const temps = (dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const capture = (out, extra = []) => run(['capture', LOG, '--lspci', LSPCI, '-o', out, ...extra]);

/** The replay table of a trace (the counts per model), from a file or from stdin. */
function replayTable(file, input) {
  const r = run(['replay', file, '-m', 'all'], input ? { input } : {});
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').slice(1).join('\n');
}

test('capture -o - | replay - gives the same counts as through a file', () => {
  const dir = dirOf('pipe');
  const file = path.join(dir, 'file.msixtrace');
  assert.equal(capture(file).status, 0);
  const viaFile = replayTable(file);
  assert.match(viaFile, /xen-4\.7 +4\.6\.3–4\.18 +33 +33 +24 +142/);
  const piped = sh(`${NODE} capture '${LOG}' --lspci '${LSPCI}' -o - | ${NODE} replay - -m all`);
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stdout.split('\n').slice(1).join('\n'), viaFile);
  assert.match(piped.stdout, /^stdin: 232 accesses|^\/dev\/stdin: 232 accesses/);
  // The bytes on stdout are the file's bytes but for the capture time in the header.
  const bytes = run(['capture', LOG, '--lspci', LSPCI, '-o', '-'], { encoding: 'buffer' });
  assert.equal(bytes.stdout.length, fs.statSync(file).size);
  assert.deepEqual(temps(dir), []);
  // synth and report stream too.
  const synth = sh(`${NODE} synth --duration 20ms -o - | ${NODE} dump - --header`);
  assert.equal(synth.status, 0, synth.stderr);
  assert.match(synth.stdout, /"source":"synth"/);
  const html = run(['report', file, '--html', '-']);
  assert.equal(html.status, 0, html.stderr);
  assert.match(html.stdout, /^<!DOCTYPE html>/i);
});

test('a symlink output: its target file is replaced atomically, the link stays a link', () => {
  const dir = dirOf('link');
  const real = path.join(dir, 'real.msixtrace');
  const link = path.join(dir, 'link.msixtrace');
  const bystander = path.join(dir, 'bystander');
  fs.writeFileSync(real, 'old');
  fs.writeFileSync(bystander, 'keep');
  fs.symlinkSync('real.msixtrace', link);
  const ino = fs.statSync(real).ino;
  assert.equal(capture(link).status, 0);
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  assert.equal(fs.readlinkSync(link), 'real.msixtrace');
  assert.notEqual(fs.statSync(real).ino, ino, 'replaced by rename, not rewritten in place');
  assert.match(replayTable(real), /xen-4\.7 +4\.6\.3–4\.18 +33 +33/);
  assert.equal(fs.readFileSync(bystander, 'utf8'), 'keep');
  // A dangling link: the file it names is created.
  const dangling = path.join(dir, 'dangling.msixtrace');
  fs.symlinkSync(path.join(dir, 'sub-target.msixtrace'), dangling);
  assert.equal(capture(dangling).status, 0);
  assert.ok(fs.lstatSync(dangling).isSymbolicLink());
  assert.ok(fs.lstatSync(path.join(dir, 'sub-target.msixtrace')).isFile());
  assert.deepEqual(temps(dir), []);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['bystander', 'dangling.msixtrace', 'link.msixtrace', 'real.msixtrace', 'sub-target.msixtrace']);
});

test('a FIFO, a character device and a link to one are written through, never renamed over', async () => {
  const dir = dirOf('fifo');
  const fifo = path.join(dir, 'fifo');
  if (sh(`mkfifo '${fifo}'`).status !== 0) return;
  const received = path.join(dir, 'received.msixtrace');
  const reader = spawn('sh', ['-c', `cat '${fifo}' > '${received}'`]);
  const readerDone = new Promise((resolve) => reader.on('exit', resolve));
  const r = await new Promise((resolve) => {
    const c = spawn(process.execPath, [...NODE_FLAGS, BIN, 'capture', LOG, '--lspci', LSPCI, '-o', fifo], { stdio: 'ignore' });
    c.on('exit', resolve);
  });
  assert.equal(r, 0);
  await readerDone;
  assert.ok(fs.lstatSync(fifo).isFIFO(), 'still a FIFO');
  assert.match(replayTable(received), /xen-4\.7 +4\.6\.3–4\.18 +33 +33/);
  // /dev/null through a link: the device and the link stay what they were.
  const devlink = path.join(dir, 'null-link');
  fs.symlinkSync('/dev/null', devlink);
  assert.equal(capture(devlink).status, 0);
  assert.ok(fs.lstatSync(devlink).isSymbolicLink());
  assert.ok(fs.statSync('/dev/null').isCharacterDevice());
  // -o /dev/stdout with stdout a pipe: the trace arrives on the pipe.
  const dev = sh(`${NODE} capture '${LOG}' --lspci '${LSPCI}' -o /dev/stdout | ${NODE} replay - -m xen-4.7`);
  assert.equal(dev.status, 0, dev.stderr);
  assert.match(dev.stdout, /xen-4\.7 +4\.6\.3–4\.18 +33 +33 +24 +142/);
  assert.ok(fs.statSync('/dev/stdout').isCharacterDevice() || fs.lstatSync('/dev/stdout').isSymbolicLink());
  assert.deepEqual(temps(dir), []);
});

test('an output that is also an input is refused before anything is read or written', () => {
  const dir = dirOf('same');
  const log = path.join(dir, 'same.log');
  fs.copyFileSync(LOG, log);
  const before = fs.readFileSync(log);
  const cases = [
    ['the same name', log],
    ['a hard link', path.join(dir, 'hard.log')],
    ['a symlink to it', path.join(dir, 'soft.log')],
    ['another spelling', path.join(dir, '.', '..', path.basename(dir), 'same.log')],
  ];
  fs.linkSync(log, cases[1][1]);
  fs.symlinkSync(log, cases[2][1]);
  for (const [what, out] of cases) {
    const r = run(['capture', log, '--lspci', LSPCI, '-o', out]);
    assert.equal(r.status, 2, what);
    assert.match(r.stderr, /^msixtrace: cannot write .*: it is also an input \(.*same\.log\); name another output file\n$/, what);
    assert.deepEqual(fs.readFileSync(log), before, what);
  }
  // The geometry file counts too; stdin redirected from the output too.
  const lspci = path.join(dir, 'lspci.txt');
  fs.copyFileSync(LSPCI, lspci);
  assert.equal(run(['capture', LOG, '--lspci', lspci, '-o', lspci]).status, 2);
  const trace = path.join(dir, 'r.msixtrace');
  assert.equal(capture(trace).status, 0);
  const t0 = fs.readFileSync(trace);
  const viaStdin = sh(`${NODE} capture - -f qemu-log --lspci '${LSPCI}' -o '${trace}' < '${trace}'`);
  assert.equal(viaStdin.status, 2, viaStdin.stderr);
  const rep = run(['report', trace, '--html', trace]);
  assert.equal(rep.status, 2);
  assert.match(rep.stderr, /cannot write .*r\.msixtrace: it is also an input/);
  const chk = run(['check', trace, '--baseline', path.join(dir, 'b.json'), '--update', '--junit', trace]);
  assert.equal(chk.status, 2);
  assert.deepEqual(fs.readFileSync(trace), t0);
  assert.deepEqual(temps(dir), []);
});

test('stdout on /dev/full: one line in words, exit 3; a closed pipe ends quietly', () => {
  const trace = path.join(dirOf('full'), 't.msixtrace');
  assert.equal(capture(trace).status, 0);
  for (const args of [['dump', trace], ['replay', trace, '-m', 'all'], ['models'], ['synth', '--list-scenarios'], ['dump', trace, '--no-header']]) {
    const r = sh(`${NODE} ${args.map((a) => `'${a}'`).join(' ')} > /dev/full`);
    assert.equal(r.status, 3, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, 'msixtrace: cannot write stdout: no space left on device\n', args.join(' '));
  }
  // A reader that stops early (`| head`): exit 0, nothing on stderr but the summary.
  const head = sh(`(${NODE} synth --scenario xen-2010 --duration 3s -o -; echo "exit $?" >&2) | head -c 10 > /dev/null`);
  assert.match(head.stderr, /exit 0\n$/);
  assert.doesNotMatch(head.stderr, /EPIPE|internal error|cannot write/);
});

test('write errors name the user\'s path and the cause; missing inputs too', () => {
  const r = capture('/nonexistent/dir/x.msixtrace');
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'msixtrace: cannot write /nonexistent/dir/x.msixtrace: directory /nonexistent/dir does not exist\n');
  const s = run(['synth', '--duration', '10ms', '-o', '/nonexistent/dir/x.msixtrace']);
  assert.equal(s.status, 2);
  assert.match(s.stderr, /^msixtrace: cannot write \/nonexistent\/dir\/x\.msixtrace: directory \/nonexistent\/dir does not exist\n$/);
  const missing = run(['replay', path.join(tmp, 't.msixtrace')]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, `msixtrace: cannot open ${path.join(tmp, 't.msixtrace')}: no such file\n`);
  const isdir = capture(tmp);
  assert.equal(isdir.status, 2);
  assert.match(isdir.stderr, /cannot write .*: is a directory/);
  for (const e of [r, s, missing, isdir]) assert.doesNotMatch(e.stderr, /E[A-Z]{3,}|\.tmp|internal error/);
});

test('RLIMIT_FSIZE: EFBIG in words, exit 3, previous output kept, no temporary left', () => {
  const dir = dirOf('fsize');
  const out = path.join(dir, 'big.msixtrace');
  fs.writeFileSync(out, 'previous');
  // 100 blocks (50-100 KiB by the shell's unit); the trace is several MB.
  const r = sh(`ulimit -f 100 && exec ${NODE} synth --scenario xen-2010 --duration 2s -o '${out}'`);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /^msixtrace: cannot write .*big\.msixtrace: file too large/);
  assert.equal(fs.readFileSync(out, 'utf8'), 'previous');
  assert.deepEqual(temps(dir), []);
});

test('a full file system (1 MiB tmpfs): ENOSPC in words, exit 3, previous output kept, no temporary left', (t) => {
  const mnt = dirOf('tmpfs');
  if (process.getuid?.() !== 0 || sh(`mount -t tmpfs -o size=1m msx-test '${mnt}'`).status !== 0) {
    t.skip('needs root and mount(2) for a small tmpfs');
    return;
  }
  try {
    const out = path.join(mnt, 'big.msixtrace');
    fs.writeFileSync(out, 'previous');
    for (const args of [['synth', '--scenario', 'xen-2010', '--duration', '2s', '-o', out], ['capture', path.join(ROOT, 'traces', 'qemu-7.2-linux-6.1-nvme-io-hotplug', 'trace-full.log.gz'), '-f', 'qemu-log', '--table', '0xfebfa000:33', '-o', out]]) {
      // Fill the rest first so that even a small output cannot fit.
      sh(`dd if=/dev/zero of='${mnt}/filler' bs=4k 2>/dev/null; true`);
      const r = run(args);
      assert.equal(r.status, 3, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /^msixtrace: cannot write .*big\.msixtrace: no space left on device\n$/);
      assert.equal(fs.readFileSync(out, 'utf8'), 'previous');
      assert.deepEqual(temps(mnt), []);
      fs.rmSync(path.join(mnt, 'filler'));
    }
  } finally {
    sh(`umount '${mnt}'`);
  }
});

test('a replaced output keeps its mode; a new one gets the umask\'s', () => {
  const dir = dirOf('mode');
  const priv = path.join(dir, 'private.msixtrace');
  fs.writeFileSync(priv, 'old');
  fs.chmodSync(priv, 0o600);
  assert.equal(capture(priv).status, 0);
  assert.equal(fs.statSync(priv).mode & 0o777, 0o600);
  const html = path.join(dir, 'r.html');
  fs.writeFileSync(html, 'old');
  fs.chmodSync(html, 0o640);
  assert.equal(run(['report', priv, '--html', html]).status, 0);
  assert.equal(fs.statSync(html).mode & 0o777, 0o640);
  const fresh = path.join(dir, 'fresh.msixtrace');
  assert.equal(sh(`umask 077 && exec ${NODE} capture '${LOG}' --lspci '${LSPCI}' -o '${fresh}'`).status, 0);
  assert.equal(fs.statSync(fresh).mode & 0o777, 0o600);
  const open = path.join(dir, 'open.msixtrace');
  assert.equal(sh(`umask 022 && exec ${NODE} capture '${LOG}' --lspci '${LSPCI}' -o '${open}'`).status, 0);
  assert.equal(fs.statSync(open).mode & 0o777, 0o644);
});

test('links planted at the old predictable temporary names: nothing outside the output is written', async () => {
  const dir = dirOf('planted');
  const victim = path.join(tmp, `victim-${process.pid}`);
  fs.writeFileSync(victim, 'root-owned data');
  const out = path.join(dir, 'shared.msixtrace');
  // sh execs node, so the pid is known before the capture starts: plant the old scheme's names
  // `.<name>.<pid>.<base36 ms>.tmp` for every millisecond of the next 4 seconds.
  const child = spawn('sh', ['-c', `read go; exec ${NODE} capture '${LOG}' --lspci '${LSPCI}' -o '${out}'`], { stdio: ['pipe', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const now = Date.now();
  for (let ms = now; ms < now + 4000; ms++) fs.symlinkSync(victim, path.join(dir, `.shared.msixtrace.${child.pid}.${ms.toString(36)}.tmp`));
  child.stdin.end('go\n');
  assert.equal(await exited, 0);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'root-owned data');
  assert.ok(fs.lstatSync(out).isFile());
  assert.match(replayTable(out), /xen-4\.7 +4\.6\.3–4\.18 +33 +33/);
  // A link at the new scheme's name of a dead run is removed, its target untouched.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const stale = path.join(dir, `.msx-${dead}-AAAAAAAAAAAAAAAA.tmp`);
  fs.symlinkSync(victim, stale);
  assert.equal(capture(out).status, 0);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'root-owned data');
  assert.equal(fs.existsSync(stale) || fs.lstatSync(stale, { throwIfNoEntry: false }) !== undefined, false);
  fs.rmSync(victim);
});

test('stale temporaries of dead runs are removed, those of live runs kept', () => {
  const dir = dirOf('stale');
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const deadTmp = path.join(dir, `.msx-${dead}-abcdefghijklmnop.tmp`);
  const oldTmp = path.join(dir, `.out.msixtrace.${dead}.mxbmtzlz.tmp`);
  const liveTmp = path.join(dir, `.msx-${process.pid}-abcdefghijklmnop.tmp`);
  const other = path.join(dir, '.msx-notes.tmp');
  for (const f of [deadTmp, oldTmp, liveTmp, other]) fs.writeFileSync(f, 'x'.repeat(1000));
  assert.equal(capture(path.join(dir, 'out.msixtrace')).status, 0);
  assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(liveTmp), path.basename(other), 'out.msixtrace'].sort());
});

test('a temporary whose pid now names a process started after it was written is stale (a reused pid)', async (t) => {
  const dir = dirOf('reused');
  // A live process, started now; the temporaries bear its pid.
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));
  const before = path.join(dir, `.msx-${sleeper.pid}-abcdefghijklmnop.tmp`);
  const during = path.join(dir, `.msx-${sleeper.pid}-qrstuvwxyzABCDEF.tmp`);
  for (const f of [before, during]) fs.writeFileSync(f, 'x');
  // last written an hour before that process started: left by an earlier run of the same number
  const hourAgo = new Date(Date.now() - 3600e3);
  fs.utimesSync(before, hourAgo, hourAgo);
  assert.equal(capture(path.join(dir, 'out.msixtrace')).status, 0);
  assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(during), 'out.msixtrace'].sort());
});

test('a 250-byte output name works', () => {
  const dir = dirOf('long');
  const name = 'n'.repeat(250 - '.msixtrace'.length) + '.msixtrace';
  assert.equal(Buffer.byteLength(name), 250);
  const r = capture(path.join(dir, name));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(dir), [name]);
  const s = run(['synth', '--duration', '10ms', '-o', path.join(dir, name)]);
  assert.equal(s.status, 0, s.stderr);
});

test('a .msixtrace.gz is read as a stream: nothing goes to $TMPDIR', () => {
  const dir = dirOf('gz');
  const trace = path.join(dir, 't.msixtrace');
  assert.equal(capture(trace).status, 0);
  fs.writeFileSync(trace + '.gz', zlib.gzipSync(fs.readFileSync(trace)));
  const viaFile = replayTable(trace);
  // A $TMPDIR that does not exist: any spill to it would fail.
  const r = run(['replay', trace + '.gz', '-m', 'all'], { env: { ...process.env, TMPDIR: path.join(dir, 'no-such-tmpdir') } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.split('\n').slice(1).join('\n'), viaFile);
  // Corrupt data: the offset in the compressed file, in words.
  const gz = fs.readFileSync(trace + '.gz');
  fs.writeFileSync(path.join(dir, 'cut.msixtrace.gz'), gz.subarray(0, 300));
  const cut = run(['dump', path.join(dir, 'cut.msixtrace.gz')]);
  assert.equal(cut.status, 2);
  assert.match(cut.stderr, /cut\.msixtrace\.gz: byte 300: truncated gzip data\n$/);
});

test('a bomb: a .msixtrace.gz inflating far past memory is read in bounded memory', () => {
  const dir = dirOf('bomb');
  // A valid trace followed by 512 MiB of zeros: inflates fast, and the reader must stop at "data
  // after the footer" without holding the inflated bytes.
  const trace = path.join(dir, 't.msixtrace');
  assert.equal(capture(trace).status, 0);
  const gzip = zlib.createGzip({ level: 1 });
  const parts = [];
  gzip.on('data', (d) => parts.push(d));
  gzip.write(fs.readFileSync(trace));
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < 512; i++) gzip.write(zeros);
  gzip.end();
  return new Promise((resolve) => gzip.on('end', resolve)).then(() => {
    fs.writeFileSync(path.join(dir, 'bomb.msixtrace.gz'), Buffer.concat(parts));
    const r = spawnSync('sh', ['-c', `ulimit -v 2000000; exec ${NODE} dump '${path.join(dir, 'bomb.msixtrace.gz')}' > /dev/null`], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /bomb\.msixtrace\.gz: byte \d+: data after the footer/);
  });
});

test('a blocked stdout costs no CPU (yargs path, stdout non-blocking)', async () => {
  const trace = path.join(dirOf('blocked'), 'big.msixtrace');
  assert.equal(run(['synth', '--scenario', 'xen-2010', '--duration', '3s', '-o', trace]).status, 0);
  const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
  const viaYargs = `require(${JSON.stringify(main)}).main(JSON.parse(process.argv[1]), { viaYargs: true })`;
  const child = spawn(process.execPath, [...NODE_FLAGS, '-e', viaYargs, JSON.stringify(['dump', trace, '--no-header'])], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pause();
  const cpu = () => {
    const f = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in seconds (USER_HZ 100)
  };
  await new Promise((r) => setTimeout(r, 2500)); // starts, fills the pipe, blocks
  const c0 = cpu();
  await new Promise((r) => setTimeout(r, 2000));
  const used = cpu() - c0;
  assert.ok(used < 0.3, `a blocked writer used ${used.toFixed(2)} s of CPU in 2 s`);
  let lines = 0;
  child.stdout.on('data', (d) => { for (const b of d) if (b === 10) lines++; });
  child.stdout.resume();
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0);
  const header = run(['dump', trace, '--header']);
  const events = Number(/(\d+) events/.exec(header.stdout)?.[1] ?? NaN);
  if (!Number.isNaN(events)) assert.equal(lines, events);
  else assert.ok(lines > 10000);
});
