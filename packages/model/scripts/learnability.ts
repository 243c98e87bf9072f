// How fast can a recipe's network learn the easiest version of the task (strong edits, no post-processing)?
// Trains in-process on fresh batches and reports loss on a fixed held-out batch: a quick check before a long run.
//   node --import tsx packages/model/scripts/learnability.ts <recipe> [steps] [augmentLevel] [strength] [augment 0|1]
import type * as tfjs from '@tensorflow/tfjs';
import { averagePrecision } from '@unwarp/flow';
import { createRng, listLandmarkedPhotos, loadFacePhoto, makePair } from '@unwarp/liquify';
import { initBackend } from '@unwarp/tf';
import { computeLoss, forward, getRecipe, initWeights, registerWasmGradKernels } from '../src/index.ts';
import { adamStep, createAdam } from '../src/train/adam.ts';

const [name = 'paired-in', stepsArg = '300', levelArg = '0', strengthArg = '3', augArg = '0'] = process.argv.slice(2);
const { tf } = await initBackend();
registerWasmGradKernels(tf);
const recipe = structuredClone(getRecipe(name));
if (process.env.ENERGY) recipe.arch.energyContrast = true;
if (process.env.HPGAIN) recipe.arch.highpassGain = Number(process.env.HPGAIN);
if (process.env.NORM) recipe.arch.norm = process.env.NORM as typeof recipe.arch.norm;
if (process.env.WIDTHS) recipe.arch.widths = process.env.WIDTHS.split(',').map(Number);
const P = recipe.data.patch;
const refs = await listLandmarkedPhotos(['/work/shared/data/train/helen']);
const valRefs = await listLandmarkedPhotos(['/work/shared/data/val/helen']);
const cache = new Map<string, Awaited<ReturnType<typeof loadFacePhoto>>>();
const photo = async (r: (typeof refs)[number]) => cache.get(r.id) ?? cache.set(r.id, await loadFacePhoto(r)).get(r.id)!;
async function batch(seed: number, n: number, pool: typeof refs) {
  const rng = createRng(seed);
  const imgs = new Uint8Array(n * P * P * 3);
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
    imgs.set(pair.modified.data, i * P * P * 3);
    flows.set(pair.flow.data, i * P * P * 2);
    labels.push(pair.label);
    imgs.set(pair.original!.data, (i + 1) * P * P * 3);
    labels.push(0);
  }
  return {
    x: tf.tensor4d(imgs, [n, P, P, 3], 'int32').toFloat() as tfjs.Tensor4D,
    gt: tf.tensor4d(flows, [n, P, P, 2]),
    lab: tf.tensor1d(labels),
    labels,
  };
}
const val = await batch(999, 32, valRefs);
const weights = initWeights(recipe.arch, 1);
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
      const movedMax = tf.max(tf.sigmoid(out.moved), [1, 2, 3]).dataSync();
      return {
        mask: l.mask.dataSync()[0]!,
        global: l.global.dataSync()[0]!,
        epe: l.epe.dataSync()[0]!,
        logit: Array.from(out.logit.dataSync()),
        moved: Array.from(movedMax),
      };
    });
    console.log(
      `step ${step} (${((performance.now() - t0) / 1000).toFixed(0)} s): held-out mask ${r.mask.toFixed(3)} global ${r.global.toFixed(3)} epe ${r.epe.toFixed(3)} | AP global ${averagePrecision(r.logit, val.labels).toFixed(3)} AP moved ${averagePrecision(r.moved, val.labels).toFixed(3)}`,
    );
  }
  if (step === steps) break;
  const b = await batch(step + 1, B, refs);
  tf.tidy(() => {
    const { grads } = tf.variableGrads(
      () => computeLoss(tf, recipe, forward(tf, recipe.arch, vars as never, b.x, true), b.gt as never, b.lab).total,
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
