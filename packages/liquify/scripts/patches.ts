import { magnitudeHeatmap } from '@unwarp/flow';
import sharp from 'sharp';
import { createRng, listLandmarkedPhotos, loadFacePhoto, makePair } from '../src/index.ts';

const refs = await listLandmarkedPhotos(['/work/shared/data/train/helen']);
const rng = createRng(11);
const tiles: Buffer[] = [];
for (let i = 0; i < 8; i++) {
  const pair = await makePair(await loadFacePhoto(refs[i * 50]!), rng, {
    patch: 128,
    cropShortSide: 400,
    positiveRate: 1,
    augment: true,
    keepOriginal: true,
    families: ['face-aware', 'bloat-pucker', 'landmark-push'],
  });
  const heat = magnitudeHeatmap(pair.modified, pair.flow);
  let m = 0;
  for (let k = 0; k < pair.flow.data.length; k += 2)
    m = Math.max(m, Math.hypot(pair.flow.data[k]!, pair.flow.data[k + 1]!));
  console.log(
    i,
    'label',
    pair.label,
    'max|W|',
    m.toFixed(2),
    'rescale',
    pair.meta.rescale.toFixed(2),
    'q',
    pair.meta.jpegQuality,
  );
  for (const img of [pair.original!, pair.modified, heat])
    tiles.push(
      await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
        raw: { width: 128, height: 128, channels: 3 },
      })
        .resize(256, 256, { kernel: 'nearest' })
        .png()
        .toBuffer(),
    );
}
await sharp({ create: { width: 256 * 3, height: 256 * 8, channels: 3, background: '#fff' } })
  .composite(tiles.map((t, i) => ({ input: t, left: (i % 3) * 256, top: Math.floor(i / 3) * 256 })))
  .png()
  .toFile('/tmp/patches.png');
