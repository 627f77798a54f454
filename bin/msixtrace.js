#!/usr/bin/env node
'use strict';
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
main(process.argv.slice(2)).catch((e) => {
  // A bug, not bad input: one line unless the user asks for the stack.
  const detail = process.env.MSIXTRACE_DEBUG ? (e && e.stack) || String(e) : (e && e.message) || String(e);
  process.stderr.write('msixtrace: internal error: ' + detail + (process.env.MSIXTRACE_DEBUG ? '' : ' (MSIXTRACE_DEBUG=1 shows the stack)') + '\n');
  process.exit(70);
});
