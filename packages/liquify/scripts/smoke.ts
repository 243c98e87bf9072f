import { magnitudeHeatmap } from '@unwarp/flow';
import sharp from 'sharp';
import { createRng, listLandmarkedPhotos, loadFacePhoto, makePair } from '../src/index.ts';

const refs = await listLandmarkedPhotos(['/work/shared/data/train/helen']);
console.log('photos', refs.length, new Set(refs.map((r) => r.photoId)).size);
const rng = createRng(3);
const tiles: Buffer[] = [];
const t0 = performance.now();
let n = 0;
for (let i = 0; i < 6; i++) {
  const photo = await loadFacePhoto(refs[i * 37]!);
  const pair = await makePair(photo, rng, {
    patch: 0,
    cropShortSide: 256,
    positiveRate: 1,
    augment: false,
    keepOriginal: true,
  });
  n++;
  const { modified, original, flow } = pair;
  const heat = magnitudeHeatmap(modified, flow);
  for (const img of [original!, modified, heat]) {
    tiles.push(
      await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
        raw: { width: img.width, height: img.height, channels: 3 },
      })
        .resize(256, 300, { fit: 'contain' })
        .png()
        .toBuffer(),
    );
  }
  console.log(pair.label, JSON.stringify(pair.meta.edits).slice(0, 200));
}
console.log('ms/pair', ((performance.now() - t0) / n).toFixed(1));
const sheet = sharp({ create: { width: 256 * 3, height: 300 * 6, channels: 3, background: '#fff' } }).composite(
  tiles.map((t, i) => ({ input: t, left: (i % 3) * 256, top: Math.floor(i / 3) * 300 })),
);
await sheet.png().toFile('/tmp/sheet.png');
const t1 = performance.now();
for (let i = 0; i < 50; i++)
  await makePair(await loadFacePhoto(refs[i]!), rng, {
    patch: 128,
    cropShortSide: 400,
    positiveRate: 0.5,
    augment: true,
    keepOriginal: false,
  });
console.log('ms/patch pair incl. decode', ((performance.now() - t1) / 50).toFixed(1));
