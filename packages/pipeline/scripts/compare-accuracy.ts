// How well does `compareWithOriginal` measure W? Random liquify edits (all five families) of val/helen photos,
// saved as JPEG q90, compared with their originals: end-point error over pixels the edit moved > 1 px, next to the
// zero-flow error, plus PSNR with the warp undone and the time per photo.
//   node --import tsx packages/pipeline/scripts/compare-accuracy.ts [count=12]
import path from 'node:path';
import { applyWarp, endpointError } from '@unwarp/flow';
import { createRng, listLandmarkedPhotos, loadFacePhoto, rasterize, sampleEdits, warpFromEdits } from '@unwarp/liquify';
import sharp from 'sharp';
import { DATA_DIR } from '../src/_internal/testing.ts';
import { compareWithOriginal } from '../src/compare.ts';

const count = Number(process.argv[2] ?? 12);
const refs = await listLandmarkedPhotos([path.join(DATA_DIR, 'val/helen')]);
const rng = createRng(9);
let epeSum = 0;
let zeroSum = 0;
let gain = 0;
let ms = 0;
let n = 0;
for (let i = 0; i < count; i++) {
  const photo = await loadFacePhoto(refs[(i * 17) % refs.length]!);
  const { width: w, height: h } = photo.image;
  const W = rasterize(warpFromEdits(sampleEdits(rng, photo.landmarks), photo.landmarks), w, h);
  const raw = (img: { data: Uint8Array }) => sharp(img.data, { raw: { width: w, height: h, channels: 3 } });
  const edited = await raw(applyWarp(photo.image, W, { interpolation: 'bicubic' }))
    .jpeg({ quality: 90 })
    .toBuffer();
  const original = await raw(photo.image).png().toBuffer();
  const t = performance.now();
  const c = await compareWithOriginal(edited, original);
  const took = performance.now() - t;
  const epe = endpointError(c.flow, W, { minGtMagnitude: 1 });
  const zero = endpointError({ ...W, data: new Float32Array(W.data.length) }, W, { minGtMagnitude: 1 });
  const line = `${photo.id} ${w}x${h}: ${took.toFixed(0)} ms, PSNR ${c.report.psnr.editedVsOriginal} -> ${c.report.psnr.recoveredVsOriginal} dB`;
  if (epe.count === 0) {
    console.log(`${line}, no pixel moved > 1 px`);
    continue;
  }
  console.log(`${line}, EPE ${epe.mean.toFixed(3)} px vs zero-flow ${zero.mean.toFixed(3)} px (${epe.count} px)`);
  epeSum += epe.mean;
  zeroSum += zero.mean;
  gain += c.report.psnr.recoveredVsOriginal - c.report.psnr.editedVsOriginal;
  ms += took;
  n++;
}
console.log(
  `mean over ${n} edited photos: EPE ${(epeSum / n).toFixed(3)} px = ${((100 * epeSum) / zeroSum).toFixed(1)}% of zero-flow (${(zeroSum / n).toFixed(3)} px), PSNR gain ${(gain / n).toFixed(1)} dB, ${(ms / n).toFixed(0)} ms per photo`,
);
