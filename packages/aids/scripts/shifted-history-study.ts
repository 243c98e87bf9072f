// How often shiftedJpegHistory finds an earlier JPEG save on another 8x8 grid, and on which, over save chains made
// from one pool's photos: as they are re-saved (q90, q95), resized then saved, cropped by whole blocks, and cropped
// off the grid (3, 5 px) between an earlier save at q75 / q85 / the pool's own q92 and a last one at q90 or q95. The
// expected grid after a crop of (3, 5) is (5, 3); after (6, 1) it is (2, 7). Prints found / photos, the grids found,
// and the time per photo (decode to answer).
//   node --import tsx packages/aids/scripts/shifted-history-study.ts --pool ../shared/data/val/helen --count 60
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { gridOffset, lumaOf } from '../src/dq-map.ts';
import { shiftedJpegHistory } from '../src/shifted-history.ts';

const { values } = parseArgs({
  options: {
    pool: { type: 'string', default: '../shared/data/train/helen' },
    count: { type: 'string', default: '60' },
  },
});
const files = readdirSync(values.pool)
  .filter((f) => f.endsWith('.jpg'))
  .slice(0, Number(values.count));
const crop = (b: Buffer, w: number, h: number, x: number, y: number) =>
  sharp(b).extract({ left: x, top: y, width: w - x, height: h - y });
const saved = (b: Buffer, q: number) => sharp(b).jpeg({ quality: q }).toBuffer();
const chains: Record<string, (b: Buffer, w: number, h: number) => Promise<Buffer>> = {
  'as is, q90': (b) => saved(b, 90),
  'as is, q95': (b) => saved(b, 95),
  'resized x0.8, q90': (b, w) =>
    sharp(b)
      .resize(Math.round(w * 0.8))
      .jpeg({ quality: 90 })
      .toBuffer(),
  'cropped 8 x 16, q90': (b, w, h) => crop(b, w, h, 8, 16).jpeg({ quality: 90 }).toBuffer(),
  'pool q92, cropped 3 x 5, q90': (b, w, h) => crop(b, w, h, 3, 5).jpeg({ quality: 90 }).toBuffer(),
  'q75, cropped 3 x 5, q90': async (b, w, h) =>
    crop(await saved(b, 75), w, h, 3, 5)
      .jpeg({ quality: 90 })
      .toBuffer(),
  'q85, cropped 3 x 5, q90': async (b, w, h) =>
    crop(await saved(b, 85), w, h, 3, 5)
      .jpeg({ quality: 90 })
      .toBuffer(),
  'q85, cropped 6 x 1, q95': async (b, w, h) =>
    crop(await saved(b, 85), w, h, 6, 1)
      .jpeg({ quality: 95 })
      .toBuffer(),
  'PNG (never saved again)': (b) => sharp(b).png().toBuffer(),
};
for (const [name, chain] of Object.entries(chains)) {
  const found: Record<string, number> = {};
  let n = 0;
  let hits = 0;
  let ms = 0;
  for (const f of files) {
    const src = await sharp(path.join(values.pool, f)).toBuffer();
    const { width, height } = await sharp(src).metadata();
    const out = await chain(src, width!, height!);
    const t0 = performance.now();
    const { data, info } = await sharp(out).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const luma = lumaOf(data, info.width, info.height);
    const shifted = shiftedJpegHistory(luma, info.width, info.height, gridOffset(luma, info.width, info.height), {
      rgb: data,
    });
    ms += performance.now() - t0;
    n++;
    if (!shifted) continue;
    hits++;
    const key = `${shifted.offset.x},${shifted.offset.y}`;
    found[key] = (found[key] ?? 0) + 1;
  }
  console.log(`${name}: ${hits}/${n} found ${JSON.stringify(found)}, ${(ms / n).toFixed(0)} ms a photo`);
}
