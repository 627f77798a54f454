#!/usr/bin/env -S node --no-concurrent-recompilation
'use strict';
// The installed command is bin/msixtrace, which starts node with the flag that avoids Node 20's
// exit hang (see there); run directly, this file's first line passes the same flag.
const path = require('path');
let main;
try {
  main = require(path.join(__dirname, '..', 'dist', 'cli', 'main.js')).main;
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND') {
    process.stderr.write('msixtrace: not built: run `npm install` (or `npm run build`) in ' + path.join(__dirname, '..') + '\n');
    process.exit(2);
  }
  throw e;
}

// Ends the process once stdout and stderr have taken everything, instead of waiting for node to
// find its event loop empty: nothing is left to run by then, and the shutdown path that can hang
// (nodejs/node#54918) is not entered from an idle loop.
function exitWhenDrained(code) {
  let left = 1;
  const one = () => { if (--left === 0) process.exit(code); };
  for (const s of [process.stdout, process.stderr]) {
    if (s.writableLength > 0) {
      left++;
      s.write('', one);
    }
  }
  one();
}

main(process.argv.slice(2)).then(() => exitWhenDrained(process.exitCode ?? 0), (e) => {
  // A bug, not bad input: one line unless the user asks for the stack.
  const detail = process.env.MSIXTRACE_DEBUG ? (e && e.stack) || String(e) : (e && e.message) || String(e);
  process.stderr.write('msixtrace: internal error: ' + detail + (process.env.MSIXTRACE_DEBUG ? '' : ' (MSIXTRACE_DEBUG=1 shows the stack)') + '\n');
  exitWhenDrained(70);
});
