// Should the face score weigh an earlier JPEG save found on another grid (a crop off the grid between the saves,
// `readJpegHistory`'s shifted search)? Scores simulator edits saved as `unwarp eval --jpeg Q --off-grid` makes them
// (an earlier save at q70–90, the export 1–7 px off its grid): the network's logit once (cached), the aligned map's
// evidence (what the shipped pipeline weighs) and the shifted map's `historyFeatures` per face. Fits the shifted
// map's evidence on the fit set (one regime, history-evidence-fit.ts's logistic fit), then reads both rules —
// logit + w × aligned evidence (shipped) and logit + w × the shifted map's evidence where a save was found — at the
// shipped threshold on the test sets: AP, untouched and edited faces flagged, untouched faces whose evidence is above
// 1 (outlined). docs/training-experiments.md, twenty-second session.
//   node --import tsx packages/model/scripts/off-grid-evidence-study.ts [--model models/unwarp-base] [--count 300] \
//     [--quality 90] [--fit train/helen:1] [--test val/helen:1 --test val/afw:1] [--cache /tmp/off-grid.json] \
//     [--out fit.json]
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  combineHistoryFeatures,
  type HistoryEvidenceFit,
  HOTSPOT_MIN_EVIDENCE,
  signedLog1p,
  weighHistoryFeatures,
} from '@unwarp/aids';
import { averagePrecision } from '@unwarp/flow';
import { simulatedSamples } from '../src/evaluate.ts';
import { loadDetector } from '../src/infer.ts';
import { fitLogistic } from './_logistic.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/unwarp-base' },
    count: { type: 'string', default: '300' },
    quality: { type: 'string', default: '90' },
    fit: { type: 'string', default: 'train/helen:1' },
    test: { type: 'string', multiple: true, default: ['val/helen:1', 'val/helen:2', 'val/afw:1'] },
    cache: { type: 'string' },
    out: { type: 'string' },
  },
});
type Face = {
  logit: number;
  /** The aligned map's historyEvidence (what the pipeline weighed before session 22), 0 where it found no history. */
  aligned: number;
  /** historyFeatures of the shifted map, where the search found an earlier save on another grid. */
  shifted?: number[];
  label: number;
};
const data = path.resolve(import.meta.dirname, '../../../../shared/data');
const quality = Number(values.quality);
const cache: Record<string, Face[]> =
  values.cache && existsSync(values.cache) ? JSON.parse(await readFile(values.cache, 'utf8')) : {};
const model = await loadDetector(path.resolve(values.model));
const { inference, calibration } = model.manifest;
const weight = inference?.compressionBreakWeight ?? 0;
const counted = quality >= (inference?.compressionBreakMinQuality ?? 0);
const threshold = calibration?.logitThreshold ?? 0;

async function facesOf(spec: string): Promise<Face[]> {
  const key = `${spec}:q${quality}:n${values.count}`;
  if (cache[key]) return cache[key];
  const [pool, seed] = spec.split(':');
  const { samples } = await simulatedSamples(
    {
      photoDirs: [path.join(data, pool!)],
      count: Number(values.count),
      seed: Number(seed ?? 1),
      jpegQuality: quality,
      offGrid: true,
    },
    model.manifest,
  );
  const faces: Face[] = [];
  for await (const s of samples) {
    const { networkLogit } = await model.predict(s.modified, { region: s.faceBox, scoreOnly: true });
    faces.push({
      logit: networkLogit,
      aligned: s.history ? weighHistoryFeatures(s.history.features, s.history.scale) : 0,
      ...(s.shiftedHistory ? { shifted: s.shiftedHistory.features } : {}),
      label: s.label,
    });
    process.stderr.write(`\r${spec} ${faces.length}`);
  }
  process.stderr.write('\n');
  cache[key] = faces;
  if (values.cache) await writeFile(values.cache, JSON.stringify(cache));
  return faces;
}

const fitSet = await facesOf(values.fit);
const found = fitSet.filter((f) => f.shifted);
const fit: HistoryEvidenceFit = fitLogistic(
  found.map((f) => f.shifted!.map(signedLog1p)),
  found.map((f) => f.label),
);
if (values.out) await writeFile(values.out, JSON.stringify(fit, null, 2));
console.log(
  `fit ${values.fit} q${quality}: ${found.length} of ${fitSet.length} faces with a save on another grid; weights [${fit.weights.join(', ')}], intercept ${fit.intercept}`,
);
const shiftedEvidence = (f: Face) => (f.shifted ? combineHistoryFeatures(f.shifted, fit) : undefined);
const rules: [string, (f: Face) => number, (f: Face) => number][] = [
  ['shipped (aligned map)', (f) => f.logit + (counted ? weight * f.aligned : 0), (f) => f.aligned],
  [
    'shifted map where found',
    (f) => f.logit + (counted ? weight * (shiftedEvidence(f) ?? f.aligned) : 0),
    (f) => shiftedEvidence(f) ?? f.aligned,
  ],
  ['network alone', (f) => f.logit, () => 0],
];
const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
console.log(`threshold (shipped calibration): logit ${threshold.toFixed(3)}, history weight ${weight}`);
for (const spec of [values.fit, ...values.test]) {
  const faces = await facesOf(spec);
  const untouched = faces.filter((f) => f.label === 0);
  const edited = faces.filter((f) => f.label === 1);
  console.log(
    `${spec}: ${edited.length} edited / ${untouched.length} untouched; another grid found for ${edited.filter((f) => f.shifted).length} / ${untouched.filter((f) => f.shifted).length}`,
  );
  for (const [name, score, evidence] of rules) {
    const ap = averagePrecision(
      faces.map(score),
      faces.map((f) => f.label),
    );
    const flagged = (set: Face[]) => set.filter((f) => score(f) >= threshold).length;
    const outlined = (set: Face[]) => set.filter((f) => evidence(f) > HOTSPOT_MIN_EVIDENCE).length;
    console.log(
      `  ${name}: AP ${ap.toFixed(4)}; flagged untouched ${pct(flagged(untouched), untouched.length)}, edited ${pct(flagged(edited), edited.length)}; evidence > 1: untouched ${pct(outlined(untouched), untouched.length)}, edited ${pct(outlined(edited), edited.length)}`,
    );
  }
}
model.dispose();
