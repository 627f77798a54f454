// Preloaded into a CLI child (node -r): at exit, writes the process's peak resident set (VmHWM
// of /proc/self/status, in kB) to the file named by MSX_PEAK_FILE.
const fs = require('fs');

process.on('exit', () => {
  const file = process.env.MSX_PEAK_FILE;
  if (!file) return;
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  fs.writeFileSync(file, m ? m[1] : '');
});
