/**
 * What reading a JPEG's history costs per photo, and what searching the other 63 grids adds to it (the pipeline
 * searches every JPEG since session 25): the aligned map alone (`doubleJpegMap`) against `readJpegHistory` (the map
 * and `shiftedJpegHistory`), in one process, on photos saved at q90 as they are and after a crop off the grid between
 * a q75 save and the q90 export (where the search finds that save and maps it).
 *   npm run bench -w @unwarp/aids
 *   node --import tsx packages/aids/bench/jpeg-history.bench.ts --runs 5 --sizes 0.5,4,12
 * The photos are a Helen portrait from ../shared/data, resized to each size in megapixels.
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { decode, photoPng } from '../src/_internal/fixtures.ts';
import { doubleJpegMap, ijgTable, lumaOf, readJpegHistory, STD_LUMA } from '../src/index.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, sizes: { type: 'string', default: '0.5,4,12' } },
});
const runs = Math.max(1, Number(values.runs));
const steps = ijgTable(STD_LUMA, 90);

/** Mean milliseconds of `fn` over `runs` calls (after one warm-up call). */
function time(fn: () => unknown): number {
  fn();
  const t = performance.now();
  for (let i = 0; i < runs; i++) fn();
  return (performance.now() - t) / runs;
}

const source = await photoPng(2, 1600);
process.stdout.write(
  `runs ${runs}\n\n| photo | history | aligned map ms | map + search ms | ratio | save found on another grid |\n|---|---|---|---|---|---|\n`,
);
const meta = await sharp(source).metadata();
for (const mp of values.sizes.split(',').map(Number)) {
  const scale = Math.sqrt((mp * 1e6) / (meta.width! * meta.height!));
  const [w, h] = [Math.round(meta.width! * scale), Math.round(meta.height! * scale)];
  const picture = await sharp(source).resize(w, h).png().toBuffer();
  const q75 = await sharp(picture).jpeg({ quality: 75 }).toBuffer();
  const cases: [string, Buffer][] = [
    ['q75 then q90, same grid', await sharp(q75).jpeg({ quality: 90 }).toBuffer()],
    [
      'q75, cropped 3 x 5, q90',
      await sharp(q75)
        .extract({ left: 3, top: 5, width: w - 3, height: h - 5 })
        .jpeg({ quality: 90 })
        .toBuffer(),
    ],
  ];
  for (const [name, bytes] of cases) {
    const { data: rgb, width, height } = await decode(bytes);
    const luma = lumaOf(rgb, width, height);
    const aligned = time(() => doubleJpegMap(luma, width, height, { steps }));
    const read = () => readJpegHistory(luma, width, height, { steps, rgb });
    const both = time(read);
    const found = read().shifted !== undefined;
    process.stdout.write(
      `| ${mp} MP (${width}x${height}) | ${name} | ${aligned.toFixed(0)} | ${both.toFixed(0)} | ${(both / aligned).toFixed(2)} | ${found ? 'yes' : 'no'} |\n`,
    );
  }
}
