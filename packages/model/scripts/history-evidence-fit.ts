// Fits HISTORY_EVIDENCE_FIT (@unwarp/aids `historyEvidence`): simulator edits of whole faces of one pool, each
// photo saved once as JPEG at quality Q on its own grid (as `unwarp eval --jpeg Q`), the map's features per face box,
// then a logistic regression with an intercept for each regime: a clear history, and a faint one (the mean block LLR
// around the face below `--faint τ`, or below `--scaled-faint τ` where the map fitted a colour scale; defaults the
// shipped ones; `--single` fits one for both). Faces whose map found no history score 0, as in the product.
// `--colour` adds as many faces again, each photo colour-edited before its export (`unwarp eval --colour`): there the
// earlier save's lattice is scaled and its history faint. `--small` adds the pool's photos shrunk first (faces 50–150
// px wide, saved once at q88–95), plain and with --colour's, as a study of small faces (it lost on val/afw). `--quality 90,85` adds plain exports at the further
// qualities. `--test pool:seed[:colour|plain][:Q]` scores the fitted and shipped fits and `compressionBreak` alone on
// other pools (AP / ROC AUC, the share of untouched faces the evidence leans edited on, medians). `--cache` keeps each
// set's features in a file; `--out` writes the fits for score-rule-study.ts --fits.
//   node --import tsx packages/model/scripts/history-evidence-fit.ts --pool train/helen --count 300 --quality 90 \
//     [--seed 1] [--colour] [--faint 0.03] [--scaled-faint 0.2] [--single] [--cache /tmp/features.json] \
//     [--out fits.json] [--test val/helen:1 --test val/helen:1:colour --test val/helen:1:plain:85]
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  compressionBreak,
  doubleJpegMap,
  HISTORY_EVIDENCE_FIT,
  type HistoryEvidenceFit,
  type HistoryEvidenceFits,
  historyFeatures,
  ijgTable,
  isFaintHistory,
  lumaOf,
  STD_LUMA,
  signedLog1p,
  weighHistoryFeatures,
} from '@unwarp/aids';
import { averagePrecision, rocAuc } from '@unwarp/flow';
import { simulatedSamples } from '../src/evaluate.ts';
import { fitLogistic } from './_logistic.ts';

const { values } = parseArgs({
  options: {
    pool: { type: 'string', default: 'train/helen' },
    count: { type: 'string', default: '300' },
    quality: { type: 'string', default: '90' },
    seed: { type: 'string', default: '1' },
    test: { type: 'string', multiple: true, default: [] },
    colour: { type: 'boolean', default: false },
    single: { type: 'boolean', default: false },
    faint: { type: 'string', default: String(HISTORY_EVIDENCE_FIT.faintBelow) },
    'scaled-faint': { type: 'string', default: String(HISTORY_EVIDENCE_FIT.scaledFaintBelow) },
    cache: { type: 'string' },
    out: { type: 'string' },
    small: { type: 'boolean', default: false },
  },
});
// Several qualities (`--quality 90,85`): plain exports at each join the fit set; --colour's at the first only.
const qualities = values.quality.split(',').map(Number);
const quality = qualities[0] as number;
const root = path.resolve(import.meta.dirname, '../../..');
const manifest = JSON.parse(await readFile(path.join(root, 'models/unwarp-base/model.json'), 'utf8'));

type Face = {
  features: number[];
  history: boolean;
  /** The map's colour scale between the saves (1: none fitted). */
  scale: number;
  brk: number;
  label: number;
};
/** `--small`: the same pool's photos shrunk so the face is 50–150 px wide (val/afw's median 85) and saved once first. */
const SMALL_FACE_WIDTHS: [number, number] = [50, 150];
const cache: Record<string, Face[]> =
  values.cache && existsSync(values.cache) ? JSON.parse(await readFile(values.cache, 'utf8')) : {};
async function facesOf(pool: string, seed: number, colour = false, q = quality, small = false): Promise<Face[]> {
  const key = `${pool}:${seed}:${colour}:q${q}:n${values.count}${small ? ':small' : ''}`;
  const cached = cache[key];
  if (cached) return cached;
  const faces = await computeFaces(pool, seed, colour, q, small);
  cache[key] = faces;
  if (values.cache) await writeFile(values.cache, JSON.stringify(cache));
  return faces;
}
async function computeFaces(pool: string, seed: number, colour: boolean, quality: number, small: boolean) {
  const { samples } = await simulatedSamples(
    {
      ...(small ? { shrinkFace: SMALL_FACE_WIDTHS } : {}),
      photoDirs: [path.resolve(root, '../shared/data', pool)],
      count: Number(values.count),
      seed,
      jpegQuality: quality,
      colour,
    },
    manifest,
  );
  const faces: Face[] = [];
  const steps = ijgTable(STD_LUMA, quality);
  for await (const s of samples) {
    const { width: w, height: h } = s.modified;
    const map = doubleJpegMap(lumaOf(s.modified.data, w, h), w, h, { steps });
    const features = historyFeatures(map, s.faceBox);
    const history = map.frequencies.length > 0;
    faces.push({
      features,
      history,
      scale: map.scale,
      brk: compressionBreak(map, s.faceBox),
      label: s.label,
    });
  }
  return faces;
}

const fitFaces = [
  ...(await facesOf(values.pool, Number(values.seed))),
  ...(values.colour ? await facesOf(values.pool, Number(values.seed), true) : []),
];
if (values.small)
  fitFaces.push(
    ...(await facesOf(values.pool, Number(values.seed), false, quality, true)),
    ...(values.colour ? await facesOf(values.pool, Number(values.seed), true, quality, true) : []),
  );
for (const q of qualities.slice(1)) fitFaces.push(...(await facesOf(values.pool, Number(values.seed), false, q)));
const labels = fitFaces.map((f) => f.label);
const fitOf = (faces: Face[]) =>
  fitLogistic(
    faces.map((f) => f.features.map(signedLog1p)),
    faces.map((f) => f.label),
  );
const faintBelow = Number(values.faint);
const scaledFaintBelow = Number(values['scaled-faint']);
const faint = (f: Face) => isFaintHistory(f.features, f.scale, { faintBelow, scaledFaintBelow });
const clear = fitOf(values.single ? fitFaces : fitFaces.filter((f) => !faint(f)));
const fits: HistoryEvidenceFits = {
  clear,
  faint: values.single ? clear : fitOf(fitFaces.filter(faint)),
  faintBelow,
  scaledFaintBelow,
};
const apOf = (scores: number[], y: number[]) =>
  `AP ${averagePrecision(scores, y).toFixed(3)}, ROC AUC ${rocAuc(scores, y).toFixed(3)}`;
/** The share of untouched faces whose evidence leans edited by more than 1 (3 logits in the shipped score). */
const leaning = (scores: number[], y: number[]) => {
  const untouched = scores.filter((_, i) => y[i] === 0);
  return `${((100 * untouched.filter((v) => v > 1).length) / Math.max(1, untouched.length)).toFixed(0)}% of untouched > 1`;
};
/** Median evidence of the edited and the untouched faces. */
const medians = (scores: number[], y: number[]) => {
  const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
  const of = (label: number) => median(scores.filter((_, i) => y[i] === label)).toFixed(2);
  return `median edited ${of(1)} / untouched ${of(0)}`;
};
const evidenceOf = (f: Face, by: HistoryEvidenceFits) =>
  f.history ? weighHistoryFeatures(f.features, f.scale, by) : 0;
const score = (f: Face) => evidenceOf(f, fits);
const shipped = (f: Face) => evidenceOf(f, HISTORY_EVIDENCE_FIT);
const regimeCount = (faces: Face[]) =>
  `${faces.filter(faint).length} of ${faces.length} faint maps (${faces.filter((f) => faint(f) && f.label === 0).length} untouched)`;
console.log(
  `${labels.filter(Boolean).length} of ${labels.length} faces edited (${values.pool}, seed ${values.seed}, JPEG q${qualities.join(', q')}${values.colour ? ', half colour-edited first' : ''})`,
);
const fitText = (f: HistoryEvidenceFit) => `weights [${f.weights.join(', ')}], intercept ${f.intercept.toFixed(2)}`;
console.log(`fitted clear ${fitText(fits.clear)}`);
console.log(`fitted faint ${fitText(fits.faint)} (below ${faintBelow}, scaled ${scaledFaintBelow})`);
console.log(`fit set: ${regimeCount(fitFaces)}`);
if (values.out) await writeFile(values.out, JSON.stringify(fits, null, 2));
console.log(`shipped clear ${fitText(HISTORY_EVIDENCE_FIT.clear)}`);
console.log(
  `shipped faint ${fitText(HISTORY_EVIDENCE_FIT.faint)} (below ${HISTORY_EVIDENCE_FIT.faintBelow}, scaled ${HISTORY_EVIDENCE_FIT.scaledFaintBelow})`,
);
console.log(
  `fit set: fitted ${apOf(fitFaces.map(score), labels)}; compressionBreak ${apOf(
    fitFaces.map((f) => f.brk),
    labels,
  )}`,
);
for (const spec of values.test) {
  const [pool, seed, colour, q] = spec.split(':');
  const faces = await facesOf(pool as string, Number(seed ?? 1), colour === 'colour', Number(q ?? quality));
  const y = faces.map((f) => f.label);
  console.log(
    `${spec} (${regimeCount(faces)}): fitted ${apOf(faces.map(score), y)}, ${leaning(faces.map(score), y)}, ${medians(faces.map(score), y)}; shipped ${apOf(
      faces.map(shipped),
      y,
    )}, ${leaning(faces.map(shipped), y)}, ${medians(faces.map(shipped), y)}; compressionBreak ${apOf(
      faces.map((f) => f.brk),
      y,
    )}`,
  );
}
