// Should the face score add the JPEG-history evidence (`compressionBreak`, @unwarp/aids) to the network's logit?
// Scores whole simulator-edited faces of val/afw (where the weight is chosen) and val/helen (where it is reported)
// under three exports: lossless (clean), one JPEG q90 save on the photo's grid, and the usual post-processing mix;
// then, for weights w, the AP of logit + w * break per pool and condition (break 0 where the face would not reach the
// pipeline as a JPEG, as there). out.json caches the network's logits; the breaks are recomputed (cheap).
//   node --import tsx packages/model/scripts/fusion-study.ts <modelDir> [count=100] [out.json]
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { averagePrecision } from '@unwarp/flow';
import { simulatedSamples } from '../src/evaluate.ts';
import { loadDetector } from '../src/infer.ts';

type Face = { pool: string; condition: string; logit: number; compressionBreak: number; label: number };
type Cached = Omit<Face, 'compressionBreak'>;
const [modelDir, countArg, outFile] = process.argv.slice(2);
if (!modelDir) throw new Error('usage: fusion-study.ts <modelDir> [count] [out.json]');
const count = Number(countArg ?? 100);
const data = path.resolve(import.meta.dirname, '../../../../shared/data');
const conditions = {
  clean: { postprocess: false },
  jpeg90: { jpegQuality: 90 },
  usual: { postprocess: true },
} as const;
const cached = outFile ? await readFile(outFile, 'utf8').catch(() => '') : '';
const scored: Cached[] = cached ? (JSON.parse(cached) as Cached[]) : [];
const faces: Face[] = [];
const model = await loadDetector(modelDir);
for (const pool of ['val/afw', 'val/helen'])
  for (const [condition, opts] of Object.entries(conditions)) {
    const known = scored.filter((f) => f.pool === pool && f.condition === condition);
    const { samples } = await simulatedSamples(
      { photoDirs: [path.join(data, pool)], count, seed: 11, ...opts },
      model.manifest,
    );
    let i = 0;
    for await (const s of samples) {
      const logit = known[i]?.logit ?? (await model.predict(s.modified, { region: s.faceBox })).networkLogit;
      if (!known[i]) scored.push({ pool, condition, logit, label: s.label });
      faces.push({ pool, condition, logit, compressionBreak: s.compressionBreak ?? 0, label: s.label });
      i++;
    }
    if (outFile) await writeFile(outFile, JSON.stringify(scored));
    console.error(`scored ${pool} ${condition}`);
  }
model.dispose();

const weights = [0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 1000];
console.log(`AP of logit + w * compressionBreak (w = 1000: the break alone), ${count} faces per pool and condition`);
console.log(
  `w | ${Object.keys(conditions)
    .flatMap((c) => ['val/afw', 'val/helen'].map((p) => `${p} ${c}`))
    .join(' | ')} | mean afw`,
);
for (const w of weights) {
  const row: string[] = [];
  let afw = 0;
  for (const condition of Object.keys(conditions))
    for (const pool of ['val/afw', 'val/helen']) {
      const set = faces.filter((f) => f.pool === pool && f.condition === condition);
      const ap = averagePrecision(
        set.map((f) => f.logit + w * f.compressionBreak),
        set.map((f) => f.label),
      );
      if (pool === 'val/afw') afw += ap / 3;
      row.push(ap.toFixed(3));
    }
  console.log(`${w} | ${row.join(' | ')} | ${afw.toFixed(3)}`);
}

// One threshold for every condition, as `unwarp calibrate` fits it: where at most 5% of untouched val/afw faces reach
// it under each condition; then the share of val/helen faces flagged at it (edited / untouched).
console.log(
  '\nw | threshold (5% FPR on every val/afw condition) | val/helen flagged, edited / untouched: clean | jpeg90 | usual',
);
for (const w of weights.slice(0, -1)) {
  const score = (f: Face) => f.logit + w * f.compressionBreak;
  let threshold = Number.NEGATIVE_INFINITY;
  for (const condition of Object.keys(conditions)) {
    const untouched = faces
      .filter((f) => f.pool === 'val/afw' && f.condition === condition && f.label === 0)
      .map(score)
      .sort((a, b) => a - b);
    threshold = Math.max(threshold, untouched[Math.ceil(0.95 * untouched.length) - 1] ?? threshold);
  }
  const flagged = (pool: string, condition: string, label: number) => {
    const s = faces.filter((f) => f.pool === pool && f.condition === condition && f.label === label);
    return s.filter((f) => score(f) > threshold).length / s.length;
  };
  const rates = Object.keys(conditions).map(
    (c) => `${(100 * flagged('val/helen', c, 1)).toFixed(0)}% / ${(100 * flagged('val/helen', c, 0)).toFixed(1)}%`,
  );
  const afwTpr = Object.keys(conditions).reduce((t, c) => t + flagged('val/afw', c, 1) / 3, 0);
  console.log(`${w} | ${threshold.toFixed(2)} | ${rates.join(' | ')} | ${(100 * afwTpr).toFixed(1)}%`);
}
