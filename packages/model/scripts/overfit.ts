// Sanity check of the training machinery on real data: can the net memorise ONE batch? If not, something is broken.
import type * as tfjs from '@tensorflow/tfjs';
import { createRng, listLandmarkedPhotos, loadFacePhoto, makePair } from '@unwarp/liquify';
import { initBackend } from '@unwarp/tf';
import { computeLoss, forward, getRecipe, initWeights, registerWasmGradKernels } from '../src/index.ts';
import { adamStep, createAdam } from '../src/train/adam.ts';

const { tf } = await initBackend();
if (process.argv[3] === 'cpu') await tf.setBackend('cpu');
registerWasmGradKernels(tf);
const recipe = getRecipe(process.argv[2] ?? 'detect-first');
const P = recipe.data.patch;
const refs = await listLandmarkedPhotos(['/work/shared/data/train/helen']);
const rng = createRng(3);
const B = 4;
const imgs = new Uint8Array(B * P * P * 3);
const flows = new Float32Array(B * P * P * 2);
const labels: number[] = [];
for (let i = 0; i < B; i++) {
  const pair = await makePair(await loadFacePhoto(refs[i * 7]!), rng, {
    patch: P,
    cropShortSide: 400,
    positiveRate: i % 2 === 0 ? 1 : 0,
    augment: false,
    strength: 2,
    keepOriginal: false,
    families: recipe.data.families,
  });
  imgs.set(pair.modified.data, i * P * P * 3);
  flows.set(pair.flow.data, i * P * P * 2);
  labels.push(pair.label);
}
console.log('labels', labels);
const weights = initWeights(recipe.arch, 1);
const vars = new Map(weights.map((w) => [w.name, tf.variable(tf.tensor(w.data, w.shape), w.trainable, w.name)]));
const trainable = weights.filter((w) => w.trainable);
const adam = createAdam(trainable.map((w) => w.data.length));
const x = tf.tensor4d(imgs, [B, P, P, 3], 'int32').toFloat() as tfjs.Tensor4D;
const gt = tf.tensor4d(flows, [B, P, P, 2]);
const lab = tf.tensor1d(labels);
for (let step = 0; step < 200; step++) {
  const parts = tf.tidy(() => {
    let p: Record<string, number> = {};
    const { grads } = tf.variableGrads(
      () => {
        const l = computeLoss(tf, recipe, forward(tf, recipe.arch, vars as never, x, true), gt, lab);
        p = Object.fromEntries(Object.entries(l).map(([k, t]) => [k, (t as tfjs.Tensor).dataSync()[0]!]));
        return l.total;
      },
      [...vars.values()].filter((v) => v.trainable),
    );
    adamStep(
      adam,
      trainable.map((w) => w.data),
      trainable.map((w) => grads[w.name]!.dataSync() as Float32Array),
      2e-3,
      { clipNorm: 5 },
    );
    for (const w of trainable) vars.get(w.name)!.assign(tf.tensor(w.data, w.shape));
    return p;
  });
  if (step % 20 === 0 || step === 199)
    console.log(
      step,
      Object.entries(parts)
        .map(([k, v]) => `${k} ${v.toFixed(3)}`)
        .join(' '),
    );
}
