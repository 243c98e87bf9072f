// Training and inference speed of our networks on the live backend, beside the PyTorch yardstick of
// ../shared/bench/reference_unet_torch.py (same reference U-Net) when Debian's python3-torch is installed.
// Run: npm run bench -w @unwarp/model
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '@unwarp/tf';
import {
  computeLoss,
  flops,
  forward,
  getRecipe,
  initWeights,
  parameterCount,
  registerWasmGradKernels,
} from '../src/index.ts';

const { tf, info } = await initBackend();
registerWasmGradKernels(tf);
const repo = path.resolve(import.meta.dirname, '../../..');
const torchScript = path.resolve(repo, '../shared/bench/reference_unet_torch.py');

/** The reference U-Net of the PyTorch yardstick, layer for layer: 3x3 conv + ReLU, 16-32-64-128, bilinear up. */
function referenceUNet() {
  const shapes: [string, number, number][] = [
    ['e1a', 3, 16],
    ['e1b', 16, 16],
    ['e2a', 16, 32],
    ['e2b', 32, 32],
    ['e3a', 32, 64],
    ['e3b', 64, 64],
    ['e4a', 64, 128],
    ['e4b', 128, 128],
    ['d3', 192, 64],
    ['d2', 96, 32],
    ['d1', 48, 16],
    ['o', 16, 2],
  ];
  const params = new Map<string, tfjs.Variable>();
  for (const [n, i, o] of shapes) {
    params.set(`${n}/w`, tf.variable(tf.randomNormal([3, 3, i, o], 0, Math.sqrt(2 / (9 * i)))));
    params.set(`${n}/b`, tf.variable(tf.zeros([o])));
  }
  const c = (n: string, x: tfjs.Tensor4D, s = 1, act = true) => {
    const y = tf.add(
      tf.conv2d(x, params.get(`${n}/w`) as tfjs.Tensor4D, s, 'same'),
      params.get(`${n}/b`)!,
    ) as tfjs.Tensor4D;
    return act ? tf.relu(y) : y;
  };
  const up = (t: tfjs.Tensor4D) => tf.image.resizeBilinear(t, [t.shape[1] * 2, t.shape[2] * 2], false, true);
  const run = (x: tfjs.Tensor4D) => {
    const e1 = c('e1b', c('e1a', x));
    const e2 = c('e2b', c('e2a', e1, 2));
    const e3 = c('e3b', c('e3a', e2, 2));
    const e4 = c('e4b', c('e4a', e3, 2));
    const d3 = c('d3', tf.concat([up(e4), e3], 3));
    const d2 = c('d2', tf.concat([up(d3), e2], 3));
    const d1 = c('d1', tf.concat([up(d2), e1], 3));
    return c('o', d1, 1, false);
  };
  return { params, run };
}

async function time(fn: () => Promise<void> | void, reps: number): Promise<number> {
  await fn();
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / reps;
}

const lines: string[] = [`backend ${info.backend}, ${info.threads} thread(s); ${new Date().toISOString()}`];
const ref = referenceUNet();
const refTrain = await (async () => {
  const B = 8;
  const x = tf.randomNormal([B, 128, 128, 3]) as tfjs.Tensor4D;
  const y = tf.randomNormal([B, 128, 128, 2]);
  const opt = tf.train.adam(1e-3);
  return time(() => {
    tf.tidy(() => {
      opt.minimize(() => tf.mean(tf.abs(tf.sub(ref.run(x), y))) as tfjs.Scalar, false, [...ref.params.values()]);
    });
  }, 3);
})();
const refInfer128 = await time(
  () => void tf.tidy(() => ref.run(tf.zeros([1, 128, 128, 3]) as tfjs.Tensor4D).dataSync()),
  5,
);
const refInfer400 = await time(
  () => void tf.tidy(() => ref.run(tf.zeros([1, 400, 400, 3]) as tfjs.Tensor4D).dataSync()),
  3,
);
lines.push(
  `reference U-Net (tfjs, one thread): train batch 8 @128 ${refTrain.toFixed(0)} ms = ${((8 * 1000) / refTrain).toFixed(2)} samples/s; infer 1x128 ${refInfer128.toFixed(1)} ms, 1x400 ${refInfer400.toFixed(0)} ms`,
);

for (const name of ['base', 'paired-in']) {
  const recipe = getRecipe(name);
  const weights = initWeights(recipe.arch, 1);
  const vars = new Map(weights.map((w) => [w.name, tf.variable(tf.tensor(w.data, w.shape), w.trainable)]));
  const P = recipe.data.patch;
  const B = recipe.schedule.batch / 2;
  const x = tf.randomUniform([B, P, P, 3], 0, 255) as tfjs.Tensor4D;
  const gt = tf.randomNormal([B, P, P, 2]) as tfjs.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: B }, (_, i) => i % 2));
  const trainable = [...vars.values()].filter((v) => v.trainable);
  const step = await time(() => {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => computeLoss(tf, recipe, forward(tf, recipe.arch, vars as never, x, true), gt, labels).total,
        trainable,
      );
      for (const g of Object.values(grads)) g.dataSync();
    });
  }, 3);
  const face = await time(
    () =>
      void tf.tidy(() =>
        forward(tf, recipe.arch, vars as never, tf.zeros([1, 400, 464, 3]) as tfjs.Tensor4D, false).flow.dataSync(),
      ),
    3,
  );
  lines.push(
    `${name}: ${parameterCount(recipe.arch)} params, ${(flops(recipe.arch, 400, 464) / 1e9).toFixed(2)} GFLOP per 400x464 face; ` +
      `gradients for ${B} x ${P}px (one replica) ${step.toFixed(0)} ms = ${((B * 1000) / step).toFixed(1)} samples/s per replica thread; inference per 400 px face ${face.toFixed(0)} ms`,
  );
}

let torchLine =
  'PyTorch yardstick: not run (install Debian python3-torch; script ../shared/bench/reference_unet_torch.py)';
if (existsSync(torchScript)) {
  try {
    const run = (h: number, b: number) =>
      execFileSync('/usr/bin/python3', [torchScript, String(h), String(b)], { encoding: 'utf8' }).trim();
    const out128 = run(128, 8);
    const out400 = run(400, 1);
    const ms = (s: string, re: RegExp) => Number(re.exec(s)?.[1]);
    const tStep = ms(out128, /step (\d+) ms/);
    const tInf128 = ms(out128, /infer 1x128 ([\d.]+) ms/);
    const tInf400 = ms(out400, /infer 1x400 ([\d.]+) ms/);
    torchLine = [
      `PyTorch: ${out128} | ${out400}`,
      `ratios (same reference U-Net, this run): training samples/s tfjs/torch = ${(tStep / refTrain).toFixed(2)} (one tfjs thread; the trainer runs two replicas), ` +
        `inference time tfjs/torch = ${(refInfer128 / tInf128).toFixed(2)} @128, ${(refInfer400 / tInf400).toFixed(2)} @400`,
    ].join('\n');
  } catch (err) {
    torchLine = `PyTorch yardstick failed: ${(err as Error).message.split('\n')[0]}`;
  }
}
lines.push(torchLine);
process.stdout.write(`${lines.join('\n')}\n`);
