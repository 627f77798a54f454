#!/usr/bin/env node
// The trace.dat reader (native/capture/tracedat/) is a library of its own, libmsixtracedat.so, because
// it links libtracecmd: where libtracecmd's development files are installed (Debian: libtracecmd-dev,
// libtraceevent-dev) it is built from tracedat.c, elsewhere from absent.c, so `npm install` works
// on any machine and capture says what is missing when it meets a trace.dat.
//   node scripts/tracedat-build.js sources|cflags|libs
'use strict';
const { execFileSync } = require('child_process');

function pkg(args) {
  try {
    return execFileSync('pkg-config', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const have = process.env.MSIXTRACE_NO_TRACECMD ? false : pkg(['--exists', 'libtracecmd']) !== null;
const what = process.argv[2];
if (what === 'sources') console.log(have ? 'native/capture/tracedat/tracedat.c' : 'native/capture/tracedat/absent.c');
else if (what === 'cflags') console.log(have ? pkg(['--cflags', 'libtracecmd']) : '');
else if (what === 'libs') console.log(have ? pkg(['--libs', 'libtracecmd']) : '');
else {
  console.error('usage: tracedat-build.js sources|cflags|libs');
  process.exit(2);
}
