#!/usr/bin/env node
// The native library's stages live in folders that mirror src/ (native/capture, native/tracefile,
// native/replay, native/dump, with native/common shared by all). binding.gyp, the sanitizer and
// fuzz builds and the bench micro-benchmarks all ask this one script which files and include folders
// there are, so adding a stage or a file needs no edit anywhere else.
//   node scripts/native-files.js sources   every .c file, one per word
//   node scripts/native-files.js dirs      every folder holding a header
//   node scripts/native-files.js cflags    -I for each of those folders
//   node scripts/native-files.js libs      the system libraries a program built from them links
//                                          (zlib, for capture's gunzip; the library node-gyp builds
//                                          uses the zlib node itself exports, and node's zlib.h)
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
function walk(rel, out) {
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = `${rel}/${e.name}`;
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}
// native/capture/tracedat links libtracecmd and is a library of its own (scripts/tracedat-build.js).
const files = walk('native', []).filter((f) => !f.startsWith('native/capture/tracedat/'));
const dirs = [...new Set(files.filter((f) => f.endsWith('.h')).map((f) => path.posix.dirname(f)))];
const LIBS = ['-lz'];
const what = process.argv[2];
if (what === 'sources') console.log(files.filter((f) => f.endsWith('.c')).join(' '));
else if (what === 'dirs') console.log(dirs.join(' '));
else if (what === 'cflags') console.log(dirs.map((d) => `-I${d}`).join(' '));
else if (what === 'libs') console.log(LIBS.join(' '));
else {
  console.error('usage: native-files.js sources|dirs|cflags|libs');
  process.exit(2);
}
