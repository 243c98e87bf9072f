import { parentPort } from 'node:worker_threads';
import { initBackend, type Tf } from '@unwarp/tf';
import { registerWasmGradKernels } from '../src/kernels.ts';
import { referenceUNet } from './reference-unet.ts';

// One gradient replica of the reference U-Net, run the way the trainer runs ours: weights in, gradients out (Adam stays
// on the main thread), each replica on its own thread with its own wasm instance and its share of the cores.
export type ReferenceRequest =
  | { type: 'init'; threads: number }
  | { type: 'grads'; id: number; weights: Float32Array[]; n: number };
export type ReferenceReply =
  | { type: 'grads'; id: number; grads: Float32Array[] }
  | { type: 'error'; id: number; message: string };

const port = parentPort!;
let tf: Tf;
let net: ReturnType<typeof referenceUNet>;

port.on('message', async (msg: ReferenceRequest) => {
  try {
    if (msg.type === 'init') {
      ({ tf } = await initBackend({ threads: msg.threads }));
      registerWasmGradKernels(tf);
      net = referenceUNet(tf);
      port.postMessage({ type: 'ready' });
      return;
    }
    const vars = [...net.params.values()];
    // Tensors out of the tidy, read after it (as replica-worker.ts does).
    const kept = tf.tidy(() => {
      vars.forEach((v, i) => void v.assign(tf.tensor(msg.weights[i]!, v.shape)));
      const x = tf.randomNormal([msg.n, 128, 128, 3]) as never;
      const y = tf.randomNormal([msg.n, 128, 128, 2]);
      const { grads } = tf.variableGrads(() => net.loss(x, y), vars);
      return vars.map((v) => grads[v.name]!);
    });
    const grads = kept.map((g) => new Float32Array(g.dataSync()));
    tf.dispose(kept);
    port.postMessage(
      { type: 'grads', id: msg.id, grads } satisfies ReferenceReply,
      grads.map((g) => g.buffer as ArrayBuffer),
    );
  } catch (err) {
    port.postMessage({ type: 'error', id: 'id' in msg ? msg.id : -1, message: String(err) });
  }
});
