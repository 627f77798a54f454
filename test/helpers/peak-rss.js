'use strict';
// Runs the msixtrace CLI in this process (argv after this script's name) and prints its peak RSS
// (getrusage ru_maxrss, KB) as the last line of stderr: "@@maxrss N". Used by tests that bound
// memory; node's own baseline is part of the figure, as a user would see it.
const path = require('path');
const fs = require('fs');

process.on('exit', () => {
  fs.writeSync(2, `@@maxrss ${process.resourceUsage().maxRSS}\n`);
});
const { main } = require(path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js'));
main(process.argv.slice(2)).catch((e) => {
  fs.writeSync(2, `internal error: ${e && e.stack}\n`);
  process.exit(70);
});
