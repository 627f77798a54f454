// Worker half of src/util/gunzip-sync.ts: inflates one gzip file as a stream and posts the output in
// chunks, at most AHEAD of them unread, so memory stays bounded whatever the file inflates to.
import * as fs from 'fs';
import { MessagePort, workerData } from 'worker_threads';
import * as zlib from 'zlib';

// state[0]: chunks posted; state[1]: chunks taken by the reader; state[2]: 1 once this worker is done.
const { file, port, state } = workerData as { file: string; port: MessagePort; state: Int32Array };
const AHEAD = 4;

async function run(): Promise<void> {
  let raw = 0;
  try {
    const src = fs.createReadStream(file, { highWaterMark: 1 << 18 });
    src.on('data', (c) => { raw += c.length; });
    const gz = zlib.createGunzip({ chunkSize: 1 << 18 });
    src.on('error', (e) => gz.destroy(e));
    src.pipe(gz);
    for await (const chunk of gz as AsyncIterable<Buffer>) {
      // A copy of its own: the chunk is a view of zlib's output buffer.
      const own = new Uint8Array(chunk);
      port.postMessage({ data: own }, [own.buffer]);
      Atomics.add(state, 0, 1);
      Atomics.notify(state, 0);
      // Backpressure: wait for the reader instead of inflating ahead of it.
      for (;;) {
        const taken = Atomics.load(state, 1);
        if (Atomics.load(state, 0) - taken < AHEAD) break;
        Atomics.wait(state, 1, taken, 1000);
      }
    }
    port.postMessage({ end: true, raw });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    port.postMessage({ error: { message: err.message, code: err.code }, raw });
  } finally {
    Atomics.add(state, 0, 1);
    Atomics.store(state, 2, 1);
    Atomics.notify(state, 0);
    port.close();
  }
}

void run();
