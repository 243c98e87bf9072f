// Which face score and calibration target hold the false-positive promise on held-out draws? Replays `unwarp
// calibrate` (val/afw and train/helen, seed 11, its CALIBRATION_CONDITIONS) and `unwarp eval` (val/helen, each
// seed, those and a q95 export) offline: the network's logits are scored once and cached, the JPEG-history terms come with each sample,
// and every score rule × target FPR is then calibrated with `fitCalibration` and read on the eval draws (AP, FPR,
// share of edited faces caught). It reproduces the CLI's numbers for the shipped rule (session 17).
//   node --import tsx packages/model/scripts/score-rule-study.ts [--model models/unwarp-base] [--count 300] \
//     [--seeds 1,2,3] [--weights 1,2,3] [--fpr 0.05,0.04] [--cache /tmp/score-rule.json] [--fits fits.json]
// `--fits` adds the rules `w × evidence` for other fits of the history evidence (history-evidence-fit.ts --out),
// read from each face's cached history features.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type HistoryEvidenceFits, weighHistoryFeatures } from '@unwarp/aids';
import { averagePrecision } from '@unwarp/flow';
import { CALIBRATION_CONDITIONS } from '../src/calibrate.ts';
import { fitCalibration } from '../src/calibration.ts';
import { simulatedSamples } from '../src/evaluate.ts';
import { loadDetector } from '../src/infer.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/unwarp-base' },
    count: { type: 'string', default: '300' },
    seeds: { type: 'string', default: '1,2,3' },
    weights: { type: 'string', default: '1,2,3' },
    fpr: { type: 'string', default: '0.05,0.04' },
    cache: { type: 'string' },
    fits: { type: 'string' },
  },
});
const list = (s: string) => s.split(',').map(Number);
type Face = {
  set: string;
  logit: number;
  brk: number;
  evidence: number;
  /** historyFeatures and the map's colour scale, where the map found a history. */
  history?: { features: number[]; scale: number };
  quality: number;
  label: number;
};

const data = path.resolve(import.meta.dirname, '../../../../shared/data');
// The calibration's conditions as `unwarp calibrate` scores them, and the eval's draws under those and a q95 export.
type Condition = { postprocess?: boolean; jpegQuality?: number; colour?: boolean };
const EVAL_CONDITIONS: (readonly [string, Condition])[] = [
  ...CALIBRATION_CONDITIONS,
  ['jpeg q95', { jpegQuality: 95 }],
];
// [name, pool, condition, seed]: the calibration's sets, then the eval's draws.
const sets: [string, string, Condition, number][] = [];
for (const pool of ['val/afw', 'train/helen'])
  for (const [c, condition] of CALIBRATION_CONDITIONS) sets.push([`${pool} ${c}`, pool, condition, 11]);
for (const seed of list(values.seeds))
  for (const [c, condition] of EVAL_CONDITIONS) sets.push([`eval ${c} s${seed}`, 'val/helen', condition, seed]);

const cached: Face[] = values.cache ? JSON.parse(await readFile(values.cache, 'utf8').catch(() => '[]')) : [];
const model = await loadDetector(path.resolve(values.model));
const minQuality = model.manifest.inference?.compressionBreakMinQuality ?? 0;
for (const [name, pool, condition, seed] of sets) {
  if (cached.some((f) => f.set === name)) continue;
  const { samples } = await simulatedSamples(
    { photoDirs: [path.join(data, pool)], count: Number(values.count), seed, ...condition },
    model.manifest,
  );
  for await (const s of samples) {
    const { networkLogit } = await model.predict(s.modified, { region: s.faceBox, scoreOnly: true });
    cached.push({
      set: name,
      logit: networkLogit,
      brk: s.compressionBreak ?? 0,
      evidence: s.historyEvidence ?? 0,
      ...(s.history ? { history: s.history } : {}),
      quality: s.jpegQuality ?? 0,
      label: s.label,
    });
  }
  if (values.cache) await writeFile(values.cache, JSON.stringify(cached));
  console.error(`scored ${name}`);
}
model.dispose();

// The history term counts as the product counts it: files saved last at the manifest's minimum quality or above.
const counted = (f: Face) => f.quality >= minQuality;
const rules: [string, (f: Face) => number][] = [
  ['logit + 0.5 × break', (f) => f.logit + (counted(f) ? 0.5 * f.brk : 0)],
  ...list(values.weights).map((w): [string, (f: Face) => number] => [
    `logit + ${w} × evidence`,
    (f) => f.logit + (counted(f) ? w * f.evidence : 0),
  ]),
];
if (values.fits) {
  const fits: HistoryEvidenceFits = JSON.parse(await readFile(values.fits, 'utf8'));
  const evidenceOf = (f: Face) => (f.history ? weighHistoryFeatures(f.history.features, f.history.scale, fits) : 0);
  for (const w of list(values.weights))
    rules.push([
      `logit + ${w} × evidence (${path.basename(values.fits)})`,
      (f) => f.logit + (counted(f) ? w * evidenceOf(f) : 0),
    ]);
}
const calibration = cached.filter((f) => !f.set.startsWith('eval'));
const evalSets = [...new Set(cached.filter((f) => f.set.startsWith('eval')).map((f) => f.set))];
console.log(
  'rule @ target | threshold | calibration: caught (set that fixes the threshold) | eval draw: AP FPR caught',
);
for (const [name, score] of rules)
  for (const fpr of list(values.fpr)) {
    const fit = fitCalibration(
      calibration.map(score),
      calibration.map((f) => f.label),
      fpr,
      calibration.map((f) => f.set),
    );
    const t = fit.logitThreshold;
    const setter = fit.conditions!.reduce((a, b) => (b.fpr > a.fpr ? b : a));
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const cells = evalSets.map((s) => {
      const set = cached.filter((f) => f.set === s);
      const rate = (label: number) => {
        const of = set.filter((f) => f.label === label);
        return of.filter((f) => score(f) >= t).length / of.length;
      };
      const ap = averagePrecision(
        set.map(score),
        set.map((f) => f.label),
      );
      return `${s.slice(5)} ${ap.toFixed(4)} ${pct(rate(0))} ${pct(rate(1))}`;
    });
    const perSet = fit.conditions!.map((c) => `${c.name} ${pct(c.tpr)}`).join(', ');
    console.log(
      `${name} @ ${fpr} | ${t.toFixed(2)} | ${pct(fit.tpr)} (${setter.name} ${pct(setter.fpr)}; caught: ${perSet}) | ${cells.join(' | ')}`,
    );
  }
