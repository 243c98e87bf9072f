// Training and inference speed of our networks on the live backend, beside the PyTorch yardstick of
// ../shared/bench/reference_unet_torch.py (same reference U-Net) when Debian's python3-torch is installed.
// Run: npm run bench -w @unwarp/model (UNWARP_WASM_THREADS=1 for the one-thread figures)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '@unwarp/tf';
import {
  computeLoss,
  flops,
  forward,
  getRecipe,
  initWeights,
  loadDetector,
  parameterCount,
  registerWasmGradKernels,
} from '../src/index.ts';
import { adamStep, createAdam } from '../src/train/adam.ts';
import { RpcWorker } from '../src/train/workers.ts';
import type { ReferenceReply, ReferenceRequest } from './reference-replica.ts';
import { referenceUNet } from './reference-unet.ts';

const { tf, info } = await initBackend();
registerWasmGradKernels(tf);
const repo = path.resolve(import.meta.dirname, '../../..');
const torchScript = path.resolve(repo, '../shared/bench/reference_unet_torch.py');

async function time(fn: () => Promise<void> | void, reps: number): Promise<number> {
  await fn();
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / reps;
}

const lines: string[] = [
  `backend ${info.backend}, ${info.threads} thread(s), convolutions ${info.convolutions ?? "the backend's"}; ${new Date().toISOString()}`,
];
const ref = referenceUNet(tf);
const refTrain = await (async () => {
  const B = 8;
  const x = tf.randomNormal([B, 128, 128, 3]) as tfjs.Tensor4D;
  const y = tf.randomNormal([B, 128, 128, 2]);
  const opt = tf.train.adam(1e-3);
  return time(() => {
    tf.tidy(() => {
      opt.minimize(() => ref.loss(x, y), false, [...ref.params.values()]);
    });
  }, 3);
})();
// Block bodies: a tidy that returns the output's TypedArray walks every element of it looking for tensors (~20 ms
// at 400 px), which would be timed as inference.
const inferTime = (run: (x: tfjs.Tensor4D) => tfjs.Tensor, size: number, reps: number) =>
  time(
    () =>
      tf.tidy(() => {
        run(tf.zeros([1, size, size, 3]) as tfjs.Tensor4D).dataSync();
      }),
    reps,
  );
const fusedDiff = tf.tidy(() => {
  const x = tf.randomNormal([1, 64, 64, 3]) as tfjs.Tensor4D;
  return tf.max(tf.abs(tf.sub(ref.run(x), ref.infer(x)))).dataSync()[0]!;
});
if (!(fusedDiff < 1e-4)) throw new Error(`fused inference differs from the unfused graph by ${fusedDiff}`);
// Unfused: the training graph's ops (conv, bias add, ReLU); fused: one op per layer, as inference is deployed.
const refInfer128Unfused = await inferTime(ref.run, 128, 5);
const refInfer400Unfused = await inferTime(ref.run, 400, 3);
const refInfer128 = await inferTime(ref.infer, 128, 5);
const refInfer400 = await inferTime(ref.infer, 400, 3);
// The trainer's way: two gradient replicas of one thread each (its default; the batch split between them), Adam on
// this thread, weights out and gradients back every step.
const replicaCount = 2;
const replicaThreads = Math.max(1, Math.floor(os.availableParallelism() / replicaCount));
const refTrainReplicas = await (async () => {
  const replicas = Array.from(
    { length: replicaCount },
    () =>
      new RpcWorker<ReferenceRequest, ReferenceReply>(new URL('./reference-replica.ts', import.meta.url), {
        type: 'init',
        threads: replicaThreads,
      }),
  );
  try {
    await Promise.all(replicas.map((r) => r.ready()));
    const weights = [...ref.params.values()].map((v) => new Float32Array(v.dataSync()));
    const adam = createAdam(weights.map((w) => w.length));
    return await time(async () => {
      const replies = await Promise.all(replicas.map((r) => r.call({ type: 'grads', weights, n: 8 / replicaCount })));
      const grads = weights.map((w, k) => {
        const g = new Float32Array(w.length);
        for (const reply of replies) {
          if (reply.type === 'error') throw new Error(reply.message);
          const rg = reply.grads[k]!;
          for (let i = 0; i < g.length; i++) g[i] = g[i]! + rg[i]! / replies.length;
        }
        return g;
      });
      adamStep(adam, weights, grads, 1e-3);
    }, 3);
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
  }
})();
lines.push(
  `reference U-Net (tfjs, one backend, ${info.threads} thread(s)): train batch 8 @128 ${refTrain.toFixed(0)} ms = ${((8 * 1000) / refTrain).toFixed(2)} samples/s; infer (fused conv+bias+ReLU) 1x128 ${refInfer128.toFixed(1)} ms, 1x400 ${refInfer400.toFixed(0)} ms; unfused 1x128 ${refInfer128Unfused.toFixed(1)} ms, 1x400 ${refInfer400Unfused.toFixed(0)} ms`,
  `reference U-Net (tfjs, trainer's way: ${replicaCount} replica(s) x ${replicaThreads} thread(s), batch split + Adam): train batch 8 @128 ${refTrainReplicas.toFixed(0)} ms = ${((8 * 1000) / refTrainReplicas).toFixed(2)} samples/s`,
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
      tf.tidy(() => {
        forward(tf, recipe.arch, vars as never, tf.zeros([1, 400, 464, 3]) as tfjs.Tensor4D, false).flow.dataSync();
      }),
    3,
  );
  lines.push(
    `${name}: ${parameterCount(recipe.arch)} params, ${(flops(recipe.arch, 400, 464) / 1e9).toFixed(2)} GFLOP per 400x464 face; ` +
      `gradients for ${B} x ${P}px (one replica) ${step.toFixed(0)} ms = ${((B * 1000) / step).toFixed(1)} samples/s per replica thread; inference per 400 px face ${face.toFixed(0)} ms`,
  );
}

// The shipped model as the product calls it: its test-time views run only where the field is shown, which for a
// model with inference.fieldOnlyFlagged is a flagged face (threshold 0 forces it, above 1 withholds it).
{
  const model = await loadDetector(path.join(repo, 'models/unwarp-base'));
  const views = model.manifest.inference?.views?.views.length ?? 1;
  const passes = model.manifest.inference?.refine?.passes ?? 0;
  const [w, h] = [400, 464];
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  const image = { width: w, height: h, channels: 3, data };
  const shown = await time(() => model.predict(image, { threshold: 0 }).then(() => undefined), 3);
  const withheld = await time(() => model.predict(image, { threshold: 1.01 }).then(() => undefined), 3);
  // The same weights read once: what the residual passes cost.
  const readOnce =
    passes > 0
      ? await time(() => model.predict(image, { threshold: 0, refine: false }).then(() => undefined), 3)
      : undefined;
  model.dispose();
  lines.push(
    `shipped model (${model.manifest.name}@${model.manifest.version}) predict per 400x464 face: field shown (${views} view(s)${passes > 0 ? ` × ${1 + passes} readings` : ''}) ${shown.toFixed(0)} ms, ` +
      `field withheld${model.manifest.inference?.fieldOnlyFlagged ? ' (not flagged)' : ' (not gated: same views)'} ${withheld.toFixed(0)} ms, ratio ${(shown / withheld).toFixed(2)}`,
  );
  if (readOnce !== undefined)
    lines.push(
      `shipped model, field read once (no inference.refine) ${readOnce.toFixed(0)} ms: the residual pass(es) cost ${(shown / readOnce).toFixed(2)}x`,
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
      `ratios (same reference U-Net, this run): training samples/s tfjs/torch = ${(tStep / refTrainReplicas).toFixed(2)} the trainer's way (${(tStep / refTrain).toFixed(2)} on one backend, ${info.threads} thread(s)), ` +
        `inference time tfjs/torch = ${(refInfer128 / tInf128).toFixed(2)} @128, ${(refInfer400 / tInf400).toFixed(2)} @400 (unfused ${(refInfer400Unfused / tInf400).toFixed(2)} @400)`,
    ].join('\n');
  } catch (err) {
    torchLine = `PyTorch yardstick failed: ${(err as Error).message.split('\n')[0]}`;
  }
}
lines.push(torchLine);
process.stdout.write(`${lines.join('\n')}\n`);
