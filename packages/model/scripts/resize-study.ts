// Does resizing an untouched photo read as an edit? Untouched val/helen face crops (the pipeline's crop policy), seen
// as they are and resized (several factors and kernels, with and without a JPEG save after), through the shipped
// model's reading: mean probability, share flagged, and the mean |W| of the raw field (W × P(moved), no calibration
// scaling) over the face box. A field read on untouched pixels is what an unwarp would wrongly undo.
//   node --import tsx packages/model/scripts/resize-study.ts <modelDir> [count=30] [photoDir=val/helen]
import path from 'node:path';
import { cropBoxFor } from '@unwarp/faces/crop';
import { flowMagnitude } from '@unwarp/flow';
import { jpegRoundTrip, landmarkBox, listLandmarkedPhotos, loadFacePhoto, onePerPhoto, toRaw } from '@unwarp/liquify';
import sharp from 'sharp';
import { loadDetector } from '../src/infer.ts';

const [modelDir, countArg, photoDirArg] = process.argv.slice(2);
if (!modelDir) throw new Error('usage: resize-study.ts <modelDir> [count] [photoDir]');
const photoDir = photoDirArg ?? path.resolve(import.meta.dirname, '../../../../shared/data/val/helen');
const model = await loadDetector(modelDir);
const refs = onePerPhoto(await listLandmarkedPhotos([photoDir])).slice(0, Number(countArg ?? 30));
type Kernel = 'lanczos3' | 'linear' | 'cubic';
const VARIANTS: { name: string; factor: number; kernel: Kernel; jpeg?: number }[] = [
  { name: 'as it is', factor: 1, kernel: 'lanczos3' },
  { name: 'x0.6 lanczos3', factor: 0.6, kernel: 'lanczos3' },
  { name: 'x0.6 lanczos3 + JPEG q92', factor: 0.6, kernel: 'lanczos3', jpeg: 92 },
  { name: 'x0.6 linear', factor: 0.6, kernel: 'linear' },
  { name: 'x0.8 lanczos3', factor: 0.8, kernel: 'lanczos3' },
  { name: 'x1.3 cubic', factor: 1.3, kernel: 'cubic' },
];
const sums = VARIANTS.map(() => ({ p: 0, flagged: 0, w: 0, n: 0 }));
for (const ref of refs) {
  const photo = await loadFacePhoto(ref);
  const crop = cropBoxFor(landmarkBox(photo.landmarks), photo.image.width, photo.image.height);
  const raw = { width: photo.image.width, height: photo.image.height, channels: 3 } as const;
  for (const [v, variant] of VARIANTS.entries()) {
    const w = Math.round(crop.width * variant.factor);
    const h = Math.round(crop.height * variant.factor);
    const resized = await toRaw(
      sharp(photo.image.data, { raw })
        .extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height })
        .resize(w, h, { kernel: variant.kernel, fit: 'fill' }),
    );
    const image = variant.jpeg ? await jpegRoundTrip(resized, variant.jpeg) : resized;
    const lm = photo.landmarks.map(([x, y]) => [(x - crop.x) * (w / crop.width), (y - crop.y) * (h / crop.height)]);
    const box = landmarkBox(lm as [number, number][]);
    const region = { x0: box.x, y0: box.y, x1: box.x + box.width, y1: box.y + box.height };
    const pred = await model.predict({ ...image, channels: 3 }, { region, rawField: true });
    const mag = flowMagnitude(pred.flow);
    let s = 0;
    let n = 0;
    for (let y = Math.max(0, Math.floor(region.y0)); y < Math.min(h, region.y1); y++)
      for (let x = Math.max(0, Math.floor(region.x0)); x < Math.min(w, region.x1); x++) {
        s += mag[y * w + x]!;
        n++;
      }
    const row = sums[v]!;
    row.p += pred.probability;
    row.flagged += pred.probability >= 0.5 ? 1 : 0;
    row.w += n > 0 ? s / n : 0;
    row.n++;
  }
  process.stderr.write(`\r${sums[0]!.n}/${refs.length} photos`);
}
model.dispose();
process.stderr.write('\n');
console.log(`${refs.length} untouched faces from ${photoDir}`);
for (const [v, variant] of VARIANTS.entries()) {
  const r = sums[v]!;
  console.log(
    `${variant.name}: mean p ${(r.p / r.n).toFixed(3)}, flagged ${r.flagged}/${r.n}, raw field mean |W| over the face box ${(r.w / r.n).toFixed(2)} px`,
  );
}
