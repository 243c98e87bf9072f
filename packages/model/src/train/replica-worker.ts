import { parentPort } from 'node:worker_threads';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend, type Tf } from '@unwarp/tf';
import { registerWasmGradKernels } from '../kernels.ts';
import { computeLoss } from '../loss.ts';
import { forward, type Weight } from '../network.ts';
import type { Recipe } from '../recipe.ts';
import type { Batch, ReplicaReply, ReplicaRequest } from './protocol.ts';

// One training replica: its own tfjs + backend instance on its own thread (wasm runs one thread per instance).
const port = parentPort!;
let tf: Tf;
let recipe: Recipe;
const vars = new Map<string, tfjs.Variable>();

function load(weights: Weight[]): void {
  for (const w of weights) {
    const v = vars.get(w.name);
    if (v) v.assign(tf.tensor(w.data, w.shape));
    else vars.set(w.name, tf.variable(tf.tensor(w.data, w.shape), w.trainable, w.name));
  }
}

function inputs(b: Batch) {
  const x = tf.tensor4d(b.images, [b.n, b.size, b.size, 3], 'int32').toFloat();
  const flow = tf.tensor4d(b.flows, [b.n, b.size, b.size, 2]);
  const labels = tf.tensor1d(b.labels);
  const original = b.originals ? tf.tensor4d(b.originals, [b.n, b.size, b.size, 3], 'int32').toFloat() : undefined;
  return { x, flow, labels, original };
}

port.on('message', async (msg: ReplicaRequest) => {
  try {
    if (msg.type === 'init') {
      // The replicas share the cores between them (trainer.ts decides how).
      ({ tf } = await initBackend({ threads: msg.threads }));
      registerWasmGradKernels(tf);
      recipe = msg.recipe;
      port.postMessage({ type: 'ready', backend: tf.getBackend() });
      return;
    }
    tf.tidy(() => load(msg.weights));
    if (msg.type === 'grads') {
      const trainable = [...vars.values()].filter((v) => v.trainable);
      // The tidy returns tensors, read after it: returned TypedArrays would be walked element by element (~400k of
      // them per step) looking for tensors.
      const kept = tf.tidy(() => {
        const { x, flow, labels, original } = inputs(msg.batch);
        const images = original ? { modified: x as tfjs.Tensor4D, original: original as tfjs.Tensor4D } : undefined;
        let parts: Record<string, tfjs.Scalar> = {};
        let moments: { name: string; mean: tfjs.Tensor; variance: tfjs.Tensor }[] = [];
        const { grads } = tf.variableGrads(() => {
          const out = forward(tf, recipe.arch, vars as never, x as tfjs.Tensor4D, true);
          const loss = computeLoss(tf, recipe, out, flow as tfjs.Tensor4D, labels, images);
          parts = loss as unknown as Record<string, tfjs.Scalar>;
          moments = [...out.moments].map(([name, m]) => ({
            name,
            mean: tf.keep(m.mean),
            variance: tf.keep(m.variance),
          }));
          for (const t of Object.values(parts)) tf.keep(t);
          return loss.total;
        }, trainable);
        return { grads: trainable.map((v) => grads[v.name]!), parts, moments };
      });
      const result = {
        grads: kept.grads.map((g) => new Float32Array(g.dataSync())),
        loss: Object.fromEntries(Object.entries(kept.parts).map(([k, t]) => [k, t.dataSync()[0]!])),
        moments: kept.moments.map((m) => ({
          name: m.name,
          mean: m.mean.dataSync() as Float32Array,
          variance: m.variance.dataSync() as Float32Array,
        })),
      };
      tf.dispose([...kept.grads, ...Object.values(kept.parts), ...kept.moments.flatMap((m) => [m.mean, m.variance])]);
      const reply: ReplicaReply = { type: 'grads', id: msg.id, ...result };
      port.postMessage(reply, [...result.grads.map((g) => g.buffer as ArrayBuffer)]);
      return;
    }
    const kept = tf.tidy(() => {
      const { x } = inputs(msg.batch);
      const out = forward(tf, recipe.arch, vars as never, x as tfjs.Tensor4D, false);
      return {
        flow: out.flow,
        moved: tf.sigmoid(out.moved),
        logit: out.logit,
        channelMax: tf.max(out.lastPre, [0, 1, 2]),
      };
    });
    const result = {
      flow: new Float32Array(kept.flow.dataSync()),
      flowSize: kept.flow.shape[1]!,
      moved: new Float32Array(kept.moved.dataSync()),
      logit: new Float32Array(kept.logit.dataSync()),
      channelMax: new Float32Array(kept.channelMax.dataSync()),
    };
    tf.dispose(Object.values(kept));
    port.postMessage({ type: 'predict', id: msg.id, ...result } satisfies ReplicaReply, [
      result.flow.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    port.postMessage({
      type: 'error',
      id: 'id' in msg ? msg.id : -1,
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  }
});
