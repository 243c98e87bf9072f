// How fast can a recipe's network learn the easiest version of the task (strong edits, no post-processing)?
// Trains in-process on fresh batches and reports loss on a fixed held-out batch: a quick check before a long run.
//   node --import tsx packages/model/scripts/learnability.ts <recipe> [steps] [augmentLevel] [strength] [augment 0|1]
// PAIR_INPUT=1 feeds the untouched original beside the edited patch (6 channels): an optical-flow problem any sound
// data path must learn quickly. If that fails, the targets (sign, scale, alignment) are wrong, not the signal.
import type * as tfjs from '@tensorflow/tfjs';
import { averagePrecision } from '@unwarp/flow';
import { createRng, listLandmarkedPhotos, loadFacePhoto, makePair } from '@unwarp/liquify';
import { initBackend } from '@unwarp/tf';
import { computeLoss, forward, getRecipe, initWeights, registerWasmGradKernels } from '../src/index.ts';
import { downsampleFlow } from '../src/loss.ts';
import { adamStep, createAdam } from '../src/train/adam.ts';

const [name = 'paired-in', stepsArg = '300', levelArg = '0', strengthArg = '3', augArg = '0'] = process.argv.slice(2);
const { tf } = await initBackend();
registerWasmGradKernels(tf);
const recipe = structuredClone(getRecipe(name));
if (process.env.ENERGY) recipe.arch.energyContrast = true;
if (process.env.HPGAIN) recipe.arch.highpassGain = Number(process.env.HPGAIN);
if (process.env.NORM) recipe.arch.norm = process.env.NORM as typeof recipe.arch.norm;
if (process.env.WIDTHS) recipe.arch.widths = process.env.WIDTHS.split(',').map(Number);
if (process.env.LOSS) {
  // e.g. LOSS=1,0.2,0.2,0 for epe, mask, global, multiscale weights
  const [epe, mask, global, multiscale] = process.env.LOSS.split(',').map(Number);
  recipe.loss = { ...recipe.loss, epe: epe!, mask: mask!, global: global!, multiscale: multiscale! };
}
const mseWeight = Number(process.env.MSE ?? 0);
const P = recipe.data.patch;
const pairInput = process.env.PAIR_INPUT === '1';
// With the original beside the patch, l0 takes 6 channels: initialise as the high-pass arch, run without it.
const initArch = pairInput ? { ...recipe.arch, highpass: true, energyContrast: false } : recipe.arch;
if (pairInput) recipe.arch.highpass = false;
const C = pairInput ? 6 : 3;
const refs = await listLandmarkedPhotos(['/work/shared/data/train/helen']);
const valRefs = await listLandmarkedPhotos(['/work/shared/data/val/helen']);
const cache = new Map<string, Awaited<ReturnType<typeof loadFacePhoto>>>();
const photo = async (r: (typeof refs)[number]) => cache.get(r.id) ?? cache.set(r.id, await loadFacePhoto(r)).get(r.id)!;
async function batch(seed: number, n: number, pool: typeof refs) {
  const rng = createRng(seed);
  const imgs = new Uint8Array(n * P * P * C);
  const flows = new Float32Array(n * P * P * 2);
  const labels: number[] = [];
  for (let i = 0; i < n; i += 2) {
    const pair = await makePair(await photo(pool[Math.floor(rng.next() * pool.length)]!), rng, {
      patch: P,
      cropShortSide: 400,
      positiveRate: 1,
      augment: augArg === '1',
      augmentLevel: Number(levelArg),
      strength: Number(strengthArg),
      keepOriginal: true,
      families: recipe.data.families,
    });
    if (pairInput) {
      // Sample i: (original, modified) with the edit's W; sample i+1: (original, original) with W = 0.
      for (let k = 0; k < P * P; k++)
        for (let c = 0; c < 3; c++) {
          imgs[(i * P * P + k) * 6 + c] = pair.original!.data[k * 3 + c]!;
          imgs[(i * P * P + k) * 6 + 3 + c] = pair.modified.data[k * 3 + c]!;
          imgs[((i + 1) * P * P + k) * 6 + c] = pair.original!.data[k * 3 + c]!;
          imgs[((i + 1) * P * P + k) * 6 + 3 + c] = pair.original!.data[k * 3 + c]!;
        }
    } else {
      imgs.set(pair.modified.data, i * P * P * 3);
      imgs.set(pair.original!.data, (i + 1) * P * P * 3);
    }
    flows.set(pair.flow.data, i * P * P * 2);
    labels.push(pair.label);
    labels.push(0);
  }
  return {
    x: tf.tensor4d(imgs, [n, P, P, C], 'int32').toFloat() as tfjs.Tensor4D,
    gt: tf.tensor4d(flows, [n, P, P, 2]),
    lab: tf.tensor1d(labels),
    labels,
  };
}
const val = await batch(999, 32, valRefs);
// SEED=n changes the initial weights and the training batches (the held-out batch stays fixed).
const seed = Number(process.env.SEED ?? 1);
const weights = initWeights(initArch, seed);
const vars = new Map(weights.map((w) => [w.name, tf.variable(tf.tensor(w.data, w.shape), w.trainable, w.name)]));
const trainable = weights.filter((w) => w.trainable);
const adam = createAdam(trainable.map((w) => w.data.length));
const B = recipe.schedule.batch;
const steps = Number(stepsArg);
const t0 = performance.now();
for (let step = 0; step <= steps; step++) {
  if (step % 50 === 0) {
    const r = tf.tidy(() => {
      const out = forward(tf, recipe.arch, vars as never, val.x, recipe.arch.norm === 'batch');
      const l = computeLoss(tf, recipe, out, val.gt as never, val.lab);
      const zero = computeLoss(tf, recipe, { ...out, flow: tf.zerosLike(out.flow) }, val.gt as never, val.lab);
      const movedMax = tf.max(tf.sigmoid(out.moved), [1, 2, 3]).dataSync();
      return {
        mask: l.mask.dataSync()[0]!,
        global: l.global.dataSync()[0]!,
        epe: l.epe.dataSync()[0]!,
        zeroEpe: zero.epe.dataSync()[0]!,
        logit: Array.from(out.logit.dataSync()),
        moved: Array.from(movedMax),
      };
    });
    console.log(
      `step ${step} (${((performance.now() - t0) / 1000).toFixed(0)} s): held-out mask ${r.mask.toFixed(3)} global ${r.global.toFixed(3)} epe ${r.epe.toFixed(3)} (zero flow ${r.zeroEpe.toFixed(3)}) | AP global ${averagePrecision(r.logit, val.labels).toFixed(3)} AP moved ${averagePrecision(r.moved, val.labels).toFixed(3)}`,
    );
  }
  if (step === steps) break;
  const b = await batch(step + 1 + (seed - 1) * 1_000_003, B, refs);
  tf.tidy(() => {
    const { grads } = tf.variableGrads(
      () => {
        const out = forward(tf, recipe.arch, vars as never, b.x, true);
        const total = computeLoss(tf, recipe, out, b.gt as never, b.lab).total;
        if (!mseWeight) return total;
        // MSE=w: w x squared error of the flow (edited pixels x11), whose gradient scales with the error.
        const gt = downsampleFlow(tf, b.gt as tfjs.Tensor4D, 2 ** recipe.arch.flowLevel);
        const moved = tf.cast(tf.greater(tf.sum(tf.square(gt), 3, true), 0.25), 'float32');
        const wts = tf.add(1, tf.mul(moved, 10));
        const se = tf.sum(tf.squaredDifference(out.flow, gt), 3, true);
        return tf.add(total, tf.mul(mseWeight, tf.div(tf.sum(tf.mul(se, wts)), tf.sum(wts)))) as tfjs.Scalar;
      },
      [...vars.values()].filter((v) => v.trainable),
    );
    adamStep(
      adam,
      trainable.map((w) => w.data),
      trainable.map((w) => grads[w.name]!.dataSync() as Float32Array),
      Number(process.env.LR ?? recipe.schedule.lr),
      { clipNorm: 5 },
    );
    for (const w of trainable) vars.get(w.name)!.assign(tf.tensor(w.data, w.shape));
  });
  tf.dispose([b.x, b.gt, b.lab]);
}
