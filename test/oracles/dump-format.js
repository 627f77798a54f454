// The reference formatter of `dump`: one line per event, written for reading rather than speed.
// native/dump/format.c must print exactly these bytes (test/cli-dump-format.test.js), and
// bench/replay.js measures the native formatter against it.
'use strict';

const CSV_COLUMNS = 'ts_ns,guest,vcpu,device,region,offset,size,dir,value';

/** Calls emit(line) for every event of the batch, as NDJSON or CSV (each line ends in \n). */
function formatEvents(b, format, emit) {
  for (let i = 0; i < b.n; i++) {
    const region = b.region[i] === 1 ? 'pba' : 'table';
    const dir = b.dir[i] === 1 ? 'w' : 'r';
    if (format === 'csv') {
      emit(`${b.ts[i]},${b.guest[i]},${b.vcpu[i]},${b.device[i]},${region},${b.offset[i]},${b.size[i]},${dir},${b.valueHex(i)}\n`);
    } else {
      emit(`{"ts_ns":${b.ts[i]},"guest":${b.guest[i]},"vcpu":${b.vcpu[i]},"device":${b.device[i]},"region":"${region}","offset":${b.offset[i]},"size":${b.size[i]},"dir":"${dir}","value":"${b.valueHex(i)}"}\n`);
    }
  }
}

module.exports = { CSV_COLUMNS, formatEvents };

// As a program: `node test/oracles/dump-format.js TRACE ndjson|csv` prints what `msixtrace dump` prints
// (the bench's baseline), through the library API and this formatter.
if (require.main === module) {
  const { openTrace } = require('../../dist/index.js');
  const [file, format = 'ndjson'] = process.argv.slice(2);
  const chunks = [];
  let size = 0;
  const flush = () => { process.stdout.write(chunks.join('')); chunks.length = 0; size = 0; };
  if (format === 'csv') chunks.push(CSV_COLUMNS + '\n');
  for (const b of openTrace(file).batches()) {
    formatEvents(b, format, (line) => { chunks.push(line); size += line.length; });
    if (size > 1 << 20) flush();
  }
  flush();
}
