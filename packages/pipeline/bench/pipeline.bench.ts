/**
 * Seconds per photo, split by stage, for 1, 12 and 24 megapixel photos with one face:
 *   npm run bench                       (in packages/pipeline)
 *   node --import tsx bench/pipeline.bench.ts --runs 3 --sizes 1,12
 *
 * The photos are synthesised in memory: a Helen portrait (one face, read in place from ../shared/data) upscaled onto
 * a no-face wallpaper resized to the canvas, encoded as JPEG q90 like a camera file. Uses models/unwarp-base when it
 * exists, else the tiny fixture model (whose "predict" is far cheaper than the real network's: say which you used).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { FIXTURE_MODEL_DIR, hasTrainedModel, PHOTOS, photoPath, TRAINED_MODEL_DIR } from '../src/_internal/testing.ts';
import { createAnalyzer } from '../src/analyze.ts';
import { renderArtifacts, writeArtifacts } from '../src/artifacts.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '1' }, sizes: { type: 'string', default: '1,12,24' } },
});
const runs = Math.max(1, Number(values.runs));
const SIZES: Record<string, [number, number]> = {
  '1': [1224, 816],
  '12': [4240, 2832],
  '24': [6000, 4000],
};

async function synthPhoto(width: number, height: number): Promise<Buffer> {
  const faceHeight = Math.round(height * 0.55);
  const face = await sharp(photoPath(PHOTOS.portrait)).resize({ height: faceHeight, kernel: 'lanczos3' }).toBuffer();
  const faceMeta = await sharp(face).metadata();
  const background = await sharp(photoPath(PHOTOS.noFace)).resize(width, height, { fit: 'cover' }).toBuffer();
  return sharp(background)
    .composite([
      { input: face, left: Math.round((width - faceMeta.width!) / 2), top: Math.round((height - faceHeight) / 2) },
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
}

const modelDir = hasTrainedModel() ? TRAINED_MODEL_DIR : FIXTURE_MODEL_DIR;
const analyzer = await createAnalyzer({ modelDir });
const tmp = await mkdtemp(path.join(os.tmpdir(), 'unwarp-bench-'));
const STAGES = ['decode', 'faces', 'predict', 'recover', 'render', 'write'] as const;
const rows: string[] = [];
process.stdout.write(
  `model ${analyzer.modelName} (${path.relative(process.cwd(), modelDir)}), backend ${analyzer.backend}, ` +
    `${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}, node ${process.version}, runs ${runs}\n\n`,
);
try {
  // Warm-up: first-call kernel compilation and model initialisation are not per-photo costs.
  await analyzer.analyze(await synthPhoto(640, 480));
  for (const key of values.sizes.split(',')) {
    const [w, h] = SIZES[key.trim()] ?? [];
    if (!w || !h) throw new Error(`unknown size ${key} (one of ${Object.keys(SIZES).join(', ')})`);
    const photo = await synthPhoto(w, h);
    const sums: Record<string, number> = {};
    let faces = 0;
    for (let i = 0; i < runs; i++) {
      const a = await analyzer.analyze(photo);
      faces = a.report.faces.length;
      let t = performance.now();
      const files = await renderArtifacts(a);
      const render = performance.now() - t;
      t = performance.now();
      await writeArtifacts(path.join(tmp, `${key}mp`), files, { force: true });
      const write = performance.now() - t;
      const ms = { ...a.report.timings, render, write } as Record<string, number>;
      for (const s of STAGES) sums[s] = (sums[s] ?? 0) + ms[s]!;
    }
    const sec = (s: string) => sums[s]! / runs / 1000;
    const total = STAGES.reduce((acc, s) => acc + sec(s), 0);
    rows.push(
      `| ${key} MP (${w}x${h}) | ${faces} | ${total.toFixed(2)} | ${STAGES.map((s) => sec(s).toFixed(2)).join(' | ')} |`,
    );
    process.stdout.write(`${rows.at(-1)}\n`);
  }
} finally {
  analyzer.dispose();
  await rm(tmp, { recursive: true, force: true });
}
process.stdout.write(
  `\n| photo | faces | s/photo | ${STAGES.join(' | ')} |\n|---|---|---|${STAGES.map(() => '---').join('|')}|\n${rows.join('\n')}\n`,
);
