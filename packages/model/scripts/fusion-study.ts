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

type Face = {
  pool: string;
  condition: string;
  logit: number;
  compressionBreak: number;
  historyAround: number;
  historyEvidence: number;
  /** The file's last JPEG quality; 0 for lossless files. */
  jpegQuality: number;
  label: number;
};
type Cached = Omit<Face, 'compressionBreak' | 'historyAround' | 'historyEvidence' | 'jpegQuality'>;
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
      faces.push({
        pool,
        condition,
        logit,
        compressionBreak: s.compressionBreak ?? 0,
        historyAround: s.historyAround ?? 0,
        historyEvidence: s.historyEvidence ?? 0,
        jpegQuality: s.jpegQuality ?? 0,
        label: s.label,
      });
      i++;
    }
    if (outFile) await writeFile(outFile, JSON.stringify(scored));
    console.error(`scored ${pool} ${condition}`);
  }
model.dispose();

const weights = [0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 1000];
const keys = Object.keys(conditions);
const apRow = (score: (f: Face) => number) => {
  const row: string[] = [];
  let afw = 0;
  for (const condition of keys)
    for (const pool of ['val/afw', 'val/helen']) {
      const set = faces.filter((f) => f.pool === pool && f.condition === condition);
      const ap = averagePrecision(
        set.map(score),
        set.map((f) => f.label),
      );
      if (pool === 'val/afw') afw += ap / 3;
      row.push(ap.toFixed(3));
    }
  return `${row.join(' | ')} | ${afw.toFixed(3)}`;
};
// One threshold for every condition, as `unwarp calibrate` fits it: where at most 5% of untouched val/afw faces reach
// it under each condition; then the share of val/helen faces flagged at it (edited / untouched).
const flaggedRow = (score: (f: Face) => number) => {
  let threshold = Number.NEGATIVE_INFINITY;
  for (const condition of keys) {
    const untouched = faces
      .filter((f) => f.pool === 'val/afw' && f.condition === condition && f.label === 0)
      .map(score)
      .sort((a, b) => a - b);
    threshold = Math.max(threshold, untouched[Math.ceil(0.95 * untouched.length) - 1] ?? threshold);
  }
  const flagged = (pool: string, condition: string, label: number) => {
    const set = faces.filter((f) => f.pool === pool && f.condition === condition && f.label === label);
    return set.filter((f) => score(f) > threshold).length / set.length;
  };
  const rates = keys.map(
    (c) => `${(100 * flagged('val/helen', c, 1)).toFixed(0)}% / ${(100 * flagged('val/helen', c, 0)).toFixed(1)}%`,
  );
  const afwTpr = keys.reduce((t, c) => t + flagged('val/afw', c, 1) / 3, 0);
  return `${threshold.toFixed(2)} | ${rates.join(' | ')} | ${(100 * afwTpr).toFixed(1)}%`;
};
const header = keys.flatMap((c) => ['val/afw', 'val/helen'].map((p) => `${p} ${c}`)).join(' | ');

console.log(`AP of logit + w * compressionBreak (w = 1000: the break alone), ${count} faces per pool and condition`);
console.log(`w | ${header} | mean afw`);
for (const w of weights) console.log(`${w} | ${apRow((f) => f.logit + w * f.compressionBreak)}`);
console.log(
  '\nw | threshold (5% FPR on every val/afw condition) | val/helen flagged, edited / untouched: clean | jpeg90 | usual | afw edited flagged',
);
for (const w of weights.slice(0, -1)) console.log(`${w} | ${flaggedRow((f) => f.logit + w * f.compressionBreak)}`);

// The gate: the break counts only where the photo around the face shows its earlier save (historyAround, mean block
// LLR outside the face, at least g nats per block).
const quantiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return [0.1, 0.5, 0.9].map((q) => (s[Math.floor(q * (s.length - 1))] ?? 0).toFixed(3)).join(' / ');
};
console.log('\nhistoryAround (nats per block) 10% / 50% / 90%, untouched | edited');
for (const condition of keys)
  for (const pool of ['val/afw', 'val/helen']) {
    const set = faces.filter((f) => f.pool === pool && f.condition === condition);
    const q = (label: number) => quantiles(set.filter((f) => f.label === label).map((f) => f.historyAround));
    console.log(`${pool} ${condition}: ${q(0)} | ${q(1)}`);
  }
const gates = [Number.NEGATIVE_INFINITY, -0.05, 0, 0.01, 0.02, 0.05, 0.1, 0.2];
for (const w of [0.5, 1, 2]) {
  console.log(`\nw = ${w}, gate g | AP: ${header} | mean afw`);
  for (const g of gates)
    console.log(`${g} | ${apRow((f) => f.logit + (f.historyAround >= g ? w * f.compressionBreak : 0))}`);
  console.log(`w = ${w}, gate g | threshold | val/helen flagged: clean | jpeg90 | usual | afw edited flagged`);
  for (const g of gates)
    console.log(`${g} | ${flaggedRow((f) => f.logit + (f.historyAround >= g ? w * f.compressionBreak : 0))}`);
}

// The signed term (`historyEvidence`, inference.historyTerm 'evidence'), counted as the product counts either term:
// only for files saved last at q90 or above (compressionBreakMinQuality). Beside it the break under the same gate.
const counted = (f: Face) => f.jpegQuality >= 90;
console.log('\nAP of logit + w * historyEvidence (files saved last at q90 or above; w = 1000: the evidence alone)');
console.log(`w | ${header} | mean afw`);
for (const w of [0, 0.5, 1, 2, 3, 4, 6, 1000])
  console.log(`${w} | ${apRow((f) => f.logit + (counted(f) ? w * f.historyEvidence : 0))}`);
console.log('w | threshold | val/helen flagged: clean | jpeg90 | usual | afw edited flagged');
for (const w of [0, 0.5, 1, 2, 3, 4, 6])
  console.log(`${w} | ${flaggedRow((f) => f.logit + (counted(f) ? w * f.historyEvidence : 0))}`);
console.log('compressionBreak under the same gate, w = 0.5 (shipped):');
console.log(`AP ${apRow((f) => f.logit + (counted(f) ? 0.5 * f.compressionBreak : 0))}`);
console.log(`flagged ${flaggedRow((f) => f.logit + (counted(f) ? 0.5 * f.compressionBreak : 0))}`);
