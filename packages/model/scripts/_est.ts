import { applyWarp, endpointError, flowMagnitude } from '@unwarp/flow';
import { estimateFlow } from '/work/main/packages/flow/src/estimate.ts';
import { createRng, listLandmarkedPhotos, loadFacePhoto, sampleEdits, warpFromEdits, rasterize } from '@unwarp/liquify';
import sharp from 'sharp';
const refs = await listLandmarkedPhotos(['/work/shared/data/val/helen']);
const rng = createRng(9);
const alpha = Number(process.env.A ?? 0.5), iters = Number(process.env.IT ?? 80), warps = Number(process.env.WA ?? 4);
for (let i = 0; i < 5; i++) {
  const photo = await loadFacePhoto(refs[i * 17]!);
  const { width: w, height: h } = photo.image;
  const edits = sampleEdits(rng, photo.landmarks, { families: ['face-aware', 'twirl', 'push-stroke', 'bloat-pucker'] });
  const W = rasterize(warpFromEdits(edits, photo.landmarks), w, h);
  const mod = applyWarp(photo.image, W, { interpolation: 'bicubic' });
  const jpg = await sharp(mod.data, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const dec = await sharp(jpg).raw().toBuffer({ resolveWithObject: true });
  const modJ = { width: w, height: h, channels: 3, data: new Uint8Array(dec.data) };
  const t = performance.now();
  const est = estimateFlow(modJ, photo.image, { smoothness: alpha, iterations: iters, warps });
  const ms = performance.now() - t;
  const moved = endpointError(est.flow, W, { minGtMagnitude: 1 });
  const zero = endpointError({ ...W, data: new Float32Array(W.data.length) }, W, { minGtMagnitude: 1 });
  const still = flowMagnitude(est.flow).filter((_, k) => Math.hypot(W.data[2 * k]!, W.data[2 * k + 1]!) === 0);
  const stillMean = still.reduce((a, b) => a + b, 0) / still.length;
  console.log(`${w}x${h} ${ms.toFixed(0)} ms: EPE |W|>1 ${moved.mean.toFixed(3)} px (zero ${zero.mean.toFixed(2)}, n ${moved.count}); mean |W| where still ${stillMean.toFixed(3)}; residual ${est.residual.before.toFixed(3)} -> ${est.residual.after.toFixed(3)}`);
}
