/**
 * A quantisation worker thread (quantizePool.ts starts it): widens and quantises the blocks of rows it is sent (as
 * the checkpoint stores them), one at a time, and sends back each block's packed levels, scales and zero points,
 * their buffers transferred rather than copied. An exception in the quantiser is answered as an error; the worker
 * goes on with the next block.
 */
import { parentPort } from 'node:worker_threads';
import { quantizeRows, type RowsJob } from './quantize';
import { DTYPE_BYTES } from './safetensors';

const port = parentPort;
if (!port) throw new Error('quantizeWorker runs as a worker thread of quantizePool.ts');

/** Every block is widened here, grown as a block needs: a fresh fp32 copy per block left this thread's peak higher. */
let widened = new Float32Array(0);

port.on('message', (job: RowsJob) => {
  let result;
  try {
    const values = job.rows.bytes.byteLength / DTYPE_BYTES[job.rows.dtype];
    if (widened.length < values) widened = new Float32Array(values);
    result = quantizeRows(job, widened);
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.message : String(error) });
    return;
  }
  // Each its own ArrayBuffer (quantizeRows says so).
  port.postMessage(result, [result.packed.buffer, result.scales.buffer, result.zeroPoints.buffer] as ArrayBuffer[]);
});
// Loaded, imports and all: the pool counts on this worker (a module that cannot load says so before this).
port.postMessage({ ready: true });
