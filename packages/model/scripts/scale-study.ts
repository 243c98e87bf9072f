// At what scale should the network look at a face? The simulator's evaluation edits a face crop already resized to
// the model's scale (cropShortSide), but a user's editor works on the photo's own pixels, and the pipeline then
// resizes the crop — a resampling of its own that can blur the edit's trace. This edits val/helen faces at the photo's
// own resolution (every warp family, half untouched), saves them losslessly or as JPEG, and scores each face twice:
// resized to the model's crop size as the pipeline does (lanczos3), and at its own scale. Prints AP / ROC AUC per cell.
//   node --import tsx packages/model/scripts/scale-study.ts <modelDir> [count=150]
import { averagePrecision, type Image, rocAuc } from '@unwarp/flow';
import { toRaw } from '@unwarp/liquify';
import sharp from 'sharp';
import { resizeImage } from '../src/evaluate.ts';
import { loadDetector } from '../src/infer.ts';
import { landmarkRegion, losslessHeldOutFaces } from './held-out-faces.ts';

const [modelDir, countArg] = process.argv.slice(2);
if (!modelDir) throw new Error('usage: scale-study.ts <modelDir> [count]');
const count = Number(countArg ?? 150);
const model = await loadDetector(modelDir);
// A model trained on the photos' own pixels (cropShortSide 0) is compared with the usual 400 px crops.
const shortSide = model.manifest.recipe.data.cropShortSide || 400;
const encodings = [null, 95, 90] as const;
const scales = ['model', 'native'] as const;
const scores = new Map<string, number[]>();
const labels: number[] = [];
const ratios: number[] = [];

async function encode(img: Image<Uint8Array>, quality: number | null): Promise<Image<Uint8Array>> {
  if (quality === null) return img;
  const raw = { width: img.width, height: img.height, channels: 3 } as const;
  return toRaw(sharp(await sharp(img.data, { raw }).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer()));
}

let i = 0;
for await (const pair of losslessHeldOutFaces(count, 31)) {
  labels.push(pair.label);
  const { width, height } = pair.modified;
  const k = shortSide / Math.min(width, height);
  ratios.push(k);
  for (const q of encodings) {
    const img = await encode(pair.modified, q);
    for (const scale of scales) {
      const input = scale === 'native' ? img : await resizeImage(img, Math.round(width * k), Math.round(height * k));
      const p = await model.predict(input, { region: landmarkRegion(pair.meta.landmarks, scale === 'native' ? 1 : k) });
      const key = `${q === null ? 'lossless' : `JPEG q${q}`} / ${scale}`;
      scores.set(key, [...(scores.get(key) ?? []), p.logit]);
    }
  }
  if (++i % 25 === 0) process.stderr.write(`${i}/${count}\n`);
}
ratios.sort((a, b) => a - b);
process.stdout.write(
  `${model.manifest.name}@${model.manifest.version}: ${count} val/helen faces edited at the photo's resolution, ` +
    `${labels.filter((l) => l === 1).length} edited; model-scale resize factor median ${ratios[ratios.length >> 1]!.toFixed(2)} ` +
    `(${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)})\n`,
);
for (const [key, s] of scores)
  process.stdout.write(
    `${key.padEnd(22)} AP ${averagePrecision(s, labels).toFixed(3)}  AUC ${rocAuc(s, labels).toFixed(3)}\n`,
  );
process.stdout.write(`chance AP ${(labels.filter((l) => l === 1).length / labels.length).toFixed(3)}\n`);
model.dispose();
