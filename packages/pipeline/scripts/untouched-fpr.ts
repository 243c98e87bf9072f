// How often does the whole pipeline flag photos nobody edited, by source? Runs `analyze` (face detection, the model,
// its calibration; no aids) on untouched photos of each pool and counts faces with probability ≥ 0.5 (the calibrated
// threshold), photo by photo as a user would meet them. Pools from other sources than the calibration's (val/afw,
// train/helen) show whether its false-positive rate carries to photos the model never saw the like of. `outlined`
// counts the untouched faces whose JPEG history the report outlines anyway (faces[].historyHotspot).
//   node --import tsx packages/pipeline/scripts/untouched-fpr.ts [--model <dir>] [count=100] [pool...]
// Pools are folders under ../shared/data (default: train/registry-faces train/lfw-deepfunneled val/helen val/afw).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAnalyzer } from '../src/index.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { model: { type: 'string' } } });
const [countArg, ...poolArgs] = positionals;
const count = Number(countArg ?? 100);
const data = path.resolve(import.meta.dirname, '../../../../shared/data');
const pools = poolArgs.length ? poolArgs : ['train/registry-faces', 'train/lfw-deepfunneled', 'val/helen', 'val/afw'];

const analyzer = await createAnalyzer(values.model ? { modelDir: path.resolve(values.model) } : {});
console.log(`model ${analyzer.modelName} on ${analyzer.backend}; ${count} photos per pool, threshold 0.5`);
console.log('pool | photos | faces | faces flagged | FPR | median p | p95 | small-face share | no face | outlined');
for (const pool of pools) {
  const dir = path.join(data, pool);
  const files = (await readdir(dir)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  // One file per photo (300-W stores a photo once per annotated face), spread evenly over the pool.
  const photos = [...new Map(files.map((f) => [f.replace(/_\d+\.\w+$/, ''), f])).values()];
  const step = Math.max(1, photos.length / count);
  const chosen = Array.from({ length: Math.min(count, photos.length) }, (_, i) => photos[Math.floor(i * step)]!);
  const probabilities: number[] = [];
  let small = 0;
  let noFace = 0;
  let outlined = 0;
  for (const file of chosen) {
    const { report } = await analyzer.analyze(await readFile(path.join(dir, file)), { aids: false, fileName: file });
    if (report.faces.length === 0) noFace++;
    for (const face of report.faces) {
      probabilities.push(face.probability);
      if (face.historyHotspot) outlined++;
      if (Math.min(face.cropBox.width, face.cropBox.height) < 100) small++;
    }
  }
  const sorted = [...probabilities].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const flagged = probabilities.filter((p) => p >= 0.5).length;
  console.log(
    [
      pool,
      chosen.length,
      probabilities.length,
      flagged,
      `${((100 * flagged) / Math.max(1, probabilities.length)).toFixed(1)}%`,
      at(0.5).toFixed(3),
      at(0.95).toFixed(3),
      `${((100 * small) / Math.max(1, probabilities.length)).toFixed(0)}%`,
      noFace,
      outlined,
    ].join(' | '),
  );
}
analyzer.dispose();
