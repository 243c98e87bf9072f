// Does a re-save that keeps the photo's JPEG block grid leave more of the edit's trace than one that does not?
// A user's editor re-saves the whole photo, so blocks outside the edit line up with the photo's own JPEG history;
// the simulator re-saves a crop at an arbitrary offset, which puts the new blocks across the old ones. This edits
// val/helen faces at the photo's own resolution (every family, half untouched), re-saves each crop both ways at a
// few qualities, and prints AP / ROC AUC of the face score per cell.
//   node --import tsx packages/model/scripts/grid-study.ts <modelDir> [count=100]
import { averagePrecision, type Image, rocAuc } from '@unwarp/flow';
import { jpegRoundTrip } from '@unwarp/liquify';
import { loadDetector } from '../src/infer.ts';
import { landmarkRegion, losslessHeldOutFaces } from './held-out-faces.ts';

const [modelDir, countArg] = process.argv.slice(2);
if (!modelDir) throw new Error('usage: grid-study.ts <modelDir> [count]');
const count = Number(countArg ?? 100);
const model = await loadDetector(modelDir);
const qualities = [95, 90, 80] as const;
const scores = new Map<string, number[]>();
const labels: number[] = [];

const t0 = Date.now();
let i = 0;
for await (const pair of losslessHeldOutFaces(count, 41)) {
  labels.push(pair.label);
  const region = landmarkRegion(pair.meta.landmarks);
  const origin = { x: pair.meta.cropBox.x, y: pair.meta.cropBox.y };
  const add = async (key: string, img: Image<Uint8Array>) => {
    const p = await model.predict(img, { region });
    scores.set(key, [...(scores.get(key) ?? []), p.logit]);
  };
  await add('lossless', pair.modified);
  for (const q of qualities) {
    await add(`q${q} photo grid`, await jpegRoundTrip(pair.modified, q, origin));
    await add(`q${q} crop grid`, await jpegRoundTrip(pair.modified, q));
  }
  if (++i % 20 === 0) console.error(`${i}/${count} faces, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const positives = labels.filter((l) => l === 1).length;
console.log(`${count} val/helen faces, ${positives} edited (chance AP ${(positives / count).toFixed(3)})`);
for (const [key, s] of scores)
  console.log(`${key.padEnd(16)} AP ${averagePrecision(s, labels).toFixed(3)}  AUC ${rocAuc(s, labels).toFixed(3)}`);
