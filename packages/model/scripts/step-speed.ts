import { initBackend } from '@unwarp/tf';
import { registerWasmGradKernels } from '../src/kernels.ts';
import { computeLoss } from '../src/loss.ts';
import { flops, forward, initWeights, parameterCount } from '../src/network.ts';
import { getRecipe } from '../src/recipe.ts';

const { tf } = await initBackend();
registerWasmGradKernels(tf);
const recipe = getRecipe(process.argv[2] ?? 'base');
const B = Number(process.argv[3] ?? 4);
const P = recipe.data.patch;
const ws = initWeights(recipe.arch, 1);
const vars = new Map(ws.map((w) => [w.name, tf.variable(tf.tensor(w.data, w.shape), w.trainable, w.name)]));
console.log('params', parameterCount(recipe.arch), 'MFLOP fwd/sample', (flops(recipe.arch, P, P) / 1e6).toFixed(0));
const x = tf.randomUniform([B, P, P, 3], 0, 255);
const gt = tf.randomNormal([B, P, P, 2]);
const labels = tf.tensor1d(Array.from({ length: B }, (_, i) => i % 2));
const trainable = [...vars.values()].filter((v) => v.trainable);
// The reconstruction term's originals (random here: only the cost is measured).
const images = { modified: x as never, original: tf.randomUniform([B, P, P, 3], 0, 255) as never };
for (let it = 0; it < 6; it++) {
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => {
    const out = forward(tf, recipe.arch, vars as never, x as never, true);
    return computeLoss(tf, recipe, out, gt as never, labels as never, images).total;
  }, trainable);
  await value.data();
  for (const g of Object.values(grads)) g.dispose();
  value.dispose();
  const dt = performance.now() - t0;
  console.log(
    `step ${it}: ${dt.toFixed(0)} ms, ${(B / (dt / 1000)).toFixed(2)} samples/s, tensors ${tf.memory().numTensors}`,
  );
}
if (process.argv[4] === 'profile') {
  const prof = await tf.profile(() => {
    const { value } = tf.variableGrads(() => {
      const out = forward(tf, recipe.arch, vars as never, x as never, true);
      return computeLoss(tf, recipe, out, gt as never, labels as never, images).total;
    }, trainable);
    return value;
  });
  const by = new Map<string, number>();
  for (const k of prof.kernels) by.set(k.name, (by.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  console.log(
    [...by.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join('\n'),
  );
}
