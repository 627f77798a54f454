#!/usr/bin/env node
// One-shot QMP client for the recording scripts: connects to a QEMU QMP socket, negotiates
// capabilities, runs each command given as JSON on the command line, prints each "return" as one
// JSON line (a human-monitor-command's text is printed raw), and exits 1 on a QMP error.
// Usage: qmp.js SOCKET '{"execute":"query-pci"}' ['{"execute":"inject-nmi"}' ...]
//        qmp.js --nmi SOCKET...   connects to every VM first, then sends inject-nmi to all of them in
//                                 one go, so several VMs start their traffic at the same moment
'use strict';
const net = require('node:net');

if (process.argv[2] === '--nmi') nmiAll(process.argv.slice(3));
else oneShot(process.argv[3] ? process.argv.slice(2) : []);

function nmiAll(socks) {
	let ready = 0;
	const conns = socks.map((sock) => {
		const c = net.createConnection(sock);
		let buf = '';
		let state = 'greeting';
		c.on('error', (e) => { process.stderr.write(`qmp.js: ${sock}: ${e.message}\n`); process.exit(1); });
		c.on('data', (d) => {
			buf += d.toString('utf8');
			let nl;
			while ((nl = buf.indexOf('\n')) >= 0) {
				const msg = JSON.parse(buf.slice(0, nl));
				buf = buf.slice(nl + 1);
				if (msg.event) continue;
				if (msg.error) { process.stderr.write(`qmp.js: ${sock}: ${msg.error.desc}\n`); process.exit(1); }
				if (state === 'greeting') { state = 'caps'; c.write('{"execute":"qmp_capabilities"}\n'); }
				else if (state === 'caps') { state = 'ready'; if (++ready === socks.length) for (const k of conns) k.write('{"execute":"inject-nmi"}\n'); }
				else if (state === 'ready') { state = 'done'; c.end(); }
			}
		});
		return c;
	});
	setTimeout(() => { process.stderr.write('qmp.js: timeout\n'); process.exit(1); }, 20000).unref();
}

function oneShot(argv) {
	const [sock, ...cmds] = argv;
	if (!sock || cmds.length === 0) {
		process.stderr.write('usage: qmp.js SOCKET JSON-COMMAND...\n');
		process.exit(2);
	}
	const queue = [{ execute: 'qmp_capabilities' }, ...cmds.map((c) => JSON.parse(c))];
	let sent = null;
	let buf = '';
	const conn = net.createConnection(sock);
	conn.setTimeout(20000, () => { process.stderr.write(`qmp.js: ${sock}: timeout\n`); process.exit(1); });
	conn.on('error', (e) => { process.stderr.write(`qmp.js: ${sock}: ${e.message}\n`); process.exit(1); });
	function next() {
		sent = queue.shift();
		if (!sent) { conn.end(); return; }
		conn.write(JSON.stringify(sent) + '\n');
	}
	conn.on('data', (d) => {
		buf += d.toString('utf8');
		let nl;
		while ((nl = buf.indexOf('\n')) >= 0) {
			const line = buf.slice(0, nl).trim();
			buf = buf.slice(nl + 1);
			if (!line) continue;
			const msg = JSON.parse(line);
			if (msg.QMP) { next(); continue; }
			if (msg.event) continue;
			if (msg.error) { process.stderr.write(`qmp.js: ${sent.execute}: ${msg.error.desc}\n`); process.exit(1); }
			if ('return' in msg) {
				if (sent.execute === 'human-monitor-command') process.stdout.write(msg.return);
				else if (sent.execute !== 'qmp_capabilities') process.stdout.write(JSON.stringify(msg.return) + '\n');
				next();
			}
		}
	});
}
