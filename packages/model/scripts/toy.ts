import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '@unwarp/tf';
import { registerWasmGradKernels, computeLoss, forward, initWeights, getRecipe } from '../src/index.ts';
import { adamStep, createAdam } from '../src/train/adam.ts';
const { tf } = await initBackend();
registerWasmGradKernels(tf);
const recipe = getRecipe(process.argv[2] ?? 'tiny');
const lr = Number(process.argv[3] ?? 3e-3);
const weights = initWeights(recipe.arch, 3);
const vars = new Map(weights.map((w) => [w.name, tf.variable(tf.tensor(w.data, w.shape), w.trainable, w.name)]));
const trainable = weights.filter((w) => w.trainable);
const adam = createAdam(trainable.map((w) => w.data.length));
const size = 32, B = 4;
let rng = 7;
const rand = () => ((rng = (rng * 1103515245 + 12345) >>> 0) / 4294967296);
for (let step = 0; step < 150; step++) {
  const labels = Array.from({ length: B }, () => (rand() < 0.5 ? 1 : 0));
  const parts = tf.tidy(() => {
    const x = tf.stack(labels.map((l) => tf.fill([size, size, 3], l ? 200 + 20 * rand() : 40 + 20 * rand()))) as tfjs.Tensor4D;
    const gt = tf.stack(labels.map((l) => tf.tile(tf.tensor1d([2 * l, 0]).reshape([1, 1, 2]), [size, size, 1]))) as tfjs.Tensor4D;
    let p: Record<string, number> = {};
    const { grads } = tf.variableGrads(() => {
      const loss = computeLoss(tf, recipe, forward(tf, recipe.arch, vars as never, x, true), gt, tf.tensor1d(labels));
      p = Object.fromEntries(Object.entries(loss).map(([k, t]) => [k, (t as tfjs.Tensor).dataSync()[0]!]));
      return loss.total;
    }, [...vars.values()].filter((v) => v.trainable));
    adamStep(adam, trainable.map((w) => w.data), trainable.map((w) => grads[w.name]!.dataSync() as Float32Array), lr);
    for (const w of trainable) vars.get(w.name)!.assign(tf.tensor(w.data, w.shape));
    return p;
  });
  if (step % 15 === 0) console.log(step, Object.entries(parts).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' '));
}
