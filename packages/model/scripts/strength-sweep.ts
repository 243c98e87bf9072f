// Where does a trained detector stop seeing edits? Scores validation patches (val/helen, the training patch size,
// half edited) at several edit strengths, with and without the simulator's post-processing, then at strength 1 under
// one post-processing step at a time (JPEG at a given quality; a rescale), and prints AP per condition beside the
// share of edited patches (chance). Separates "does not generalise to new photos" from "cannot see subtle edits" from
// "this step erases the trace".
//   node --import tsx packages/model/scripts/strength-sweep.ts <modelDir> [count=160]
import path from 'node:path';
import { averagePrecision, endpointError } from '@unwarp/flow';
import { createRng, listLandmarkedPhotos, loadFacePhoto, makePair, toRaw } from '@unwarp/liquify';
import sharp from 'sharp';
import { loadDetector } from '../src/infer.ts';
import { HELD_OUT_FAMILIES, TRAIN_FAMILIES } from '../src/recipe.ts';

const [modelDir, countArg] = process.argv.slice(2);
if (!modelDir) throw new Error('usage: strength-sweep.ts <modelDir> [count]');
const count = Number(countArg ?? 160);
const model = await loadDetector(modelDir);
const { patch, cropShortSide } = model.manifest.recipe.data;
const refs = await listLandmarkedPhotos([path.resolve(import.meta.dirname, '../../../../shared/data/val/helen')]);
const conditions = [
  { strength: 3, post: false },
  { strength: 2, post: false },
  { strength: 1.5, post: false },
  { strength: 1, post: false },
  { strength: 2, post: true },
  { strength: 1, post: true },
];
process.stdout.write(
  `${model.manifest.name}@${model.manifest.version}: ${count} val/helen patches of ${patch} px per condition\n`,
);
for (const families of process.env.SKIP_STRENGTHS ? [] : [TRAIN_FAMILIES, HELD_OUT_FAMILIES]) {
  for (const c of conditions) {
    const rng = createRng(23);
    const scores: number[] = [];
    const moved: number[] = [];
    const labels: number[] = [];
    let epe = 0;
    let zero = 0;
    for (let i = 0; i < count; i++) {
      const pair = await makePair(await loadFacePhoto(refs[(i * 7) % refs.length]!), rng, {
        patch,
        cropShortSide,
        families,
        strength: c.strength,
        positiveRate: 0.5,
        augment: c.post,
        augmentLevel: 1,
        keepOriginal: false,
      });
      const p = await model.predict(pair.modified);
      scores.push(p.logit);
      moved.push(p.movedMax);
      labels.push(pair.label);
      // EPE over pixels moved > 1 px, summed so the ratio weighs every such pixel alike (as eval does).
      const e = endpointError(p.flow, pair.flow, { minGtMagnitude: 1 });
      const z = endpointError({ ...pair.flow, data: new Float32Array(pair.flow.data.length) }, pair.flow, {
        minGtMagnitude: 1,
      });
      if (e.count > 0) {
        epe += e.mean * e.count;
        zero += z.mean * z.count;
      }
    }
    const chance = labels.filter((l) => l === 1).length / labels.length;
    process.stdout.write(
      `${families === TRAIN_FAMILIES ? 'in-family' : 'held-out '} strength ${c.strength.toFixed(1)} ${c.post ? 'post-processed' : 'clean         '}  AP ${averagePrecision(scores, labels).toFixed(3)}  moved-map AP ${averagePrecision(moved, labels).toFixed(3)}  (chance ${chance.toFixed(2)})  EPE ${((100 * epe) / zero).toFixed(1)}% of zero-flow\n`,
    );
  }
}

/** One post-processing step, applied alike to edited and unedited patches (as a re-save would be). */
type Step = { name: string; scale: number; jpeg: number | null };
const steps: Step[] = [
  { name: 'none', scale: 1, jpeg: null },
  { name: 'JPEG q95', scale: 1, jpeg: 95 },
  { name: 'JPEG q90', scale: 1, jpeg: 90 },
  { name: 'JPEG q80', scale: 1, jpeg: 80 },
  { name: 'JPEG q70', scale: 1, jpeg: 70 },
  { name: 'rescale 0.75x', scale: 0.75, jpeg: null },
  { name: 'rescale 1.25x', scale: 1.25, jpeg: null },
];
for (const families of [TRAIN_FAMILIES, HELD_OUT_FAMILIES]) {
  for (const step of steps) {
    const rng = createRng(29);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < count; i++) {
      // The region that becomes the patch after the rescale: patch / scale pixels of the clean edit.
      const pair = await makePair(await loadFacePhoto(refs[(i * 7) % refs.length]!), rng, {
        patch: Math.round(patch / step.scale),
        cropShortSide,
        families,
        strength: 1,
        positiveRate: 0.5,
        augment: false,
        keepOriginal: false,
      });
      const m = pair.modified;
      let img = sharp(Buffer.from(m.data), { raw: { width: m.width, height: m.height, channels: 3 } });
      if (step.scale !== 1) img = img.resize(patch, patch, { kernel: 'lanczos3', fit: 'fill' });
      if (step.jpeg !== null) img = sharp(await img.jpeg({ quality: step.jpeg }).toBuffer());
      const p = await model.predict(await toRaw(img));
      scores.push(p.logit);
      labels.push(pair.label);
    }
    const chance = labels.filter((l) => l === 1).length / labels.length;
    process.stdout.write(
      `${families === TRAIN_FAMILIES ? 'in-family' : 'held-out '} strength 1.0, ${step.name.padEnd(14)} AP ${averagePrecision(scores, labels).toFixed(3)}  (chance ${chance.toFixed(2)})\n`,
    );
  }
}
model.dispose();
