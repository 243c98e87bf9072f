// Why did a threshold fitted on val/afw flag 11–12% of untouched val/helen faces (native-clean@40000)? Scores whole faces of val/afw,
// val/helen and train/helen (re-saved and clean), keeps each face's crop size and the logits of windows around the face
// (a ring outside the landmark box, same photo, never edited), then compares face scores: as they are, minus the ring's
// score (the photo's own baseline), and minus a size trend fitted on untouched afw faces. Thresholds are fitted on
// val/afw only, and the FPR column shows how each score's threshold carries to the other pools. out.json caches the
// scored faces (pools already in it are not scored again).
//   node --import tsx packages/model/scripts/source-study.ts <modelDir> [count=150] [out.json]
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { averagePrecision, rocAuc } from '@unwarp/flow';
import { fitCalibration } from '../src/calibration.ts';
import { simulatedSamples } from '../src/evaluate.ts';
import { aggregateWindows, loadDetector, type Region, type WindowGrid } from '../src/infer.ts';

type Face = {
  pool: string;
  condition: string;
  label: number;
  shortSide: number;
  face: number;
  ring: number;
  ringWindows: number;
};

const [modelDir, countArg, outFile] = process.argv.slice(2);
if (!modelDir) throw new Error('usage: source-study.ts <modelDir> [count] [out.json]');
const count = Number(countArg ?? 150);
const data = path.resolve(import.meta.dirname, '../../../../shared/data');
const pools = ['val/afw', 'val/helen', 'train/helen'];
const cached = outFile ? await readFile(outFile, 'utf8').catch(() => '') : '';
const faces: Face[] = cached ? (JSON.parse(cached) as { faces: Face[] }).faces : [];
const model = await loadDetector(modelDir);
const modelName = `${model.manifest.name}@${model.manifest.version}`;
const aggregate = model.manifest.inference?.aggregate ?? { rule: 'max' };
for (const pool of pools.filter((p) => !faces.some((f) => f.pool === p)))
  for (const postprocess of [true, false]) {
    const { samples } = await simulatedSamples(
      { photoDirs: [path.join(data, pool)], count, seed: 1, postprocess },
      model.manifest,
    );
    for await (const s of samples) {
      const p = await model.predict(s.modified, { region: s.faceBox });
      const ring = ringWindows(p.grid, s.faceBox, 0.15);
      faces.push({
        pool,
        condition: postprocess ? 're-saved' : 'clean',
        label: s.label,
        shortSide: Math.min(s.modified.width, s.modified.height),
        face: p.logit,
        ring: ring.length > 0 ? aggregateWindows(ring, aggregate) : Number.NaN,
        ringWindows: ring.length,
      });
    }
    process.stderr.write(`scored ${count} ${pool} faces (${postprocess ? 're-saved' : 'clean'})\n`);
    if (outFile) await writeFile(outFile, `${JSON.stringify({ model: modelName, count, faces }, null, 1)}\n`);
  }
model.dispose();

/** Windows centred outside the face box grown by `grow` of its size on every side: the same photo, never edited. */
function ringWindows(g: WindowGrid, box: Region, grow: number): number[] {
  const gx = (box.x1 - box.x0) * grow;
  const gy = (box.y1 - box.y0) * grow;
  const out: number[] = [];
  for (let r = 0; r < g.rows; r++)
    for (let c = 0; c < g.cols; c++) {
      const cx = (c + g.cells / 2) * g.stride;
      const cy = (r + g.cells / 2) * g.stride;
      if (cx < box.x0 - gx || cx >= box.x1 + gx || cy < box.y0 - gy || cy >= box.y1 + gy)
        out.push(g.logits[r * g.cols + c]!);
    }
  return out;
}

/** Least-squares line through (log short side, logit) of the untouched afw faces. */
function sizeTrend(fs: Face[]): { a: number; b: number } {
  const xs = fs.map((f) => Math.log(f.shortSide));
  const ys = fs.map((f) => f.face);
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return { a: my - b * mx, b };
}

const afw = faces.filter((f) => f.pool === 'val/afw');
const trend = sizeTrend(afw.filter((f) => f.label === 0));
const withRing = (f: Face) => (Number.isFinite(f.ring) ? f.face - f.ring : f.face);
const scores: { name: string; score: (f: Face) => number }[] = [
  { name: 'face score', score: (f) => f.face },
  { name: 'face − ring', score: withRing },
  { name: 'face − size trend', score: (f) => f.face - (trend.a + trend.b * Math.log(f.shortSide)) },
];
process.stdout.write(
  `${modelName}: ${count} faces per pool and condition; untouched afw logit = ${trend.a.toFixed(2)} + ${trend.b.toFixed(2)} × ln(short side)\n`,
);
process.stdout.write(
  `rings: ${faces.filter((f) => f.ringWindows > 0).length} of ${faces.length} faces have windows outside the grown box\n`,
);
const sets = pools.flatMap((p) => [`${p} re-saved`, `${p} clean`]);
process.stdout.write(`score              | ${sets.map((s) => `${s}: AP / AUC / FPR`.padEnd(30)).join(' | ')}\n`);
for (const { name, score } of scores) {
  const fit = fitCalibration(
    afw.map(score),
    afw.map((f) => f.label),
    0.05,
    afw.map((f) => f.condition),
  );
  const cells = sets.map((set) => {
    const [pool, condition] = set.split(' ');
    const fs = faces.filter((f) => f.pool === pool && f.condition === condition);
    const s = fs.map(score);
    const labels = fs.map((f) => f.label);
    const neg = s.filter((_, i) => labels[i] === 0);
    const fpr = neg.filter((v) => v >= fit.logitThreshold).length / neg.length;
    return `${averagePrecision(s, labels).toFixed(3)} / ${rocAuc(s, labels).toFixed(3)} / ${(100 * fpr).toFixed(1)}%`.padEnd(
      30,
    );
  });
  process.stdout.write(`${name.padEnd(18)} | ${cells.join(' | ')}\n`);
}
