// `record -a` finds each VM's QMP socket on its QEMU command line. The forms QEMU accepts (-qmp
// unix:, a socket chardev named by a control -mon, ",," for a comma in a path) and libvirt's, where
// the chardev is an inherited fd whose path only /proc/net/unix knows, here held for real.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { qmpFromCmdline } = require('../dist/record/discover');

test('the QMP socket of each command-line form', () => {
  assert.equal(qmpFromCmdline(['qemu-system-x86_64', '-qmp', 'unix:/run/vm1.qmp,server=on,wait=off']), '/run/vm1.qmp');
  assert.equal(qmpFromCmdline(['qemu-system-x86_64', '--qmp', 'unix:/run/a,,b.qmp,server,nowait']), '/run/a,b.qmp');
  assert.equal(qmpFromCmdline(['qemu-system-x86_64', '-qmp', 'tcp:localhost:4444,server=on']), null, 'only unix sockets');
  const chardev = ['-chardev', 'socket,id=mon0,path=/var/run/m.sock,server=on,wait=off'];
  assert.equal(qmpFromCmdline(['qemu-kvm', ...chardev, '-mon', 'chardev=mon0,id=monitor,mode=control']), '/var/run/m.sock');
  assert.equal(qmpFromCmdline(['qemu-kvm', ...chardev, '-mon', 'chardev=mon0']), null, 'a readline monitor is HMP, not QMP');
  assert.equal(qmpFromCmdline(['qemu-kvm', ...chardev, '-mon', 'chardev=other,mode=control']), null);
  assert.equal(qmpFromCmdline(['qemu-kvm', '-monitor', 'unix:/run/hmp.sock,server,nowait']), null);
});

test('libvirt form: a listening socket passed as fd N, its path from /proc/PID/net/unix', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-discover-'));
  const sock = path.join(dir, 'monitor.sock');
  const server = net.createServer();
  await new Promise((res) => server.listen(sock, res));
  try {
    const fd = server._handle.fd;
    assert.ok(fd > 2, `listening fd ${fd}`);
    const args = ['qemu-system-x86_64', '-chardev', `socket,id=charmonitor,fd=${fd},server=on,wait=off`, '-mon', 'chardev=charmonitor,id=monitor,mode=control'];
    assert.equal(qmpFromCmdline(args, process.pid), sock);
    // stdin: no listening socket with a path, so none.
    assert.equal(qmpFromCmdline(args.map((a) => a.replace(`fd=${fd}`, 'fd=0')), process.pid), null);
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
