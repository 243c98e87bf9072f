// Which JPEG history should a face score weigh when an earlier save is found on another grid (a crop off the grid
// between the saves, `readJpegHistory`'s shifted search)? Scores simulator edits saved as `unwarp eval --jpeg Q
// --off-grid` makes them (an earlier save at q70–90, the export 1–7 px off its grid) and the sets below: the network's
// logit once (cached), the aligned map's evidence, features and frequency count, and the shifted map's
// `historyFeatures`, strength and offset per face. Fits the shifted map's evidence on the fit set (history-evidence-
// fit.ts's logistic fit, one regime, on the faces with fewer than 3 aligned frequencies), then reads the rules at the
// shipped threshold on the test sets — the aligned map alone (shipped until session 24); B: the shifted evidence where
// the aligned map reads fewer than 3 frequencies and a save was found, else the aligned evidence from 3 frequencies,
// else none; D: the shifted evidence wherever found, else as B; D2: as D, but beside an aligned history of 3+
// frequencies only where that history is faint; D3: as D, but there only where the shifted map's own history around
// the face is not faint; D4: as D3, the aligned evidence of 1–2 frequencies kept where no save was found; D5a
// (shipped since session 25, `faceHistoryReading`): as D4, but beside an aligned history of 3+ frequencies only where
// the shifted map's mean block LLR around the face is above the aligned map's; D5b: as D4, never on a half-block
// grid; the network alone — printing AP, untouched and edited faces flagged, and faces outlined (evidence above 1
// where the history counts). Sets: `pool:seed` off the grid; `pool:seed:colour` with a colour edit before the export;
// `pool:seed:grid` / `pool:seed:grid-colour` saved on the photo's own grid (`--jpeg Q [--colour]`); `grid-resave`
// saved at q70–90 first on that grid; `resized` (then off the grid), `grid-resized` (then saved twice on one grid),
// `resized-once` (exported once): the photo resized first by ×0.5–2.5; `pool:seed:mix` the usual post-processing mix
// (each face's history counted when its last save is at the manifest's compressionBreakMinQuality or above, as the
// pipeline counts it). `--logits cache.json` takes the network's logits from an earlier cache of the same sets (the
// history alone is read again). `--gate-strength S` / `--gate-around A` keep only the saves whose lattice strength is
// at least S / whose mean block LLR around the face is at least A. `--list` prints each find beside an aligned history.
// docs/training-experiments.md, sessions 22–25.
//   node --import tsx packages/model/scripts/off-grid-evidence-study.ts [--model models/unwarp-base] [--count 300] \
//     [--quality 90] [--fit train/helen:1] [--test val/helen:1 --test val/helen:2:mix --test val/helen:1:grid] \
//     [--cache /tmp/off-grid.json] [--logits earlier.json] [--out fit.json] [--gate-strength 0.2] [--gate-around 0.08] \
//     [--prepare] [--list]
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  combineHistoryFeatures,
  type HistoryEvidenceFit,
  HOTSPOT_MIN_EVIDENCE,
  isFaintHistory,
  MEAN_AROUND_FEATURE,
  MIN_HISTORY_FREQUENCIES,
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
    fit: { type: 'string', multiple: true, default: ['train/helen:1'] },
    test: { type: 'string', multiple: true, default: ['val/helen:1', 'val/helen:2', 'val/afw:1'] },
    cache: { type: 'string' },
    out: { type: 'string' },
    'gate-strength': { type: 'string', default: '0' },
    'gate-around': { type: 'string', default: '-Infinity' },
    /** A cache of the same sets scored before: the network's logits are taken from it (the history is read again). */
    logits: { type: 'string' },
    /** Score the sets into --cache and print nothing of them (for sets read only after a rule is pre-registered). */
    prepare: { type: 'boolean', default: false },
    /** Print each face whose search found a save beside an aligned history of 3+ frequencies. */
    list: { type: 'boolean', default: false },
  },
});
type Face = {
  logit: number;
  /** The aligned map's historyEvidence (what the pipeline weighed before session 22), 0 where it found no history. */
  aligned: number;
  /** How many frequencies the aligned map read its history from (0: none found). */
  alignedFrequencies?: number;
  /** Whether that history is faint around the face (`isFaintHistory`, the shipped bounds). */
  alignedFaint?: boolean;
  /** The aligned map's historyFeatures over the face, where it found a history. */
  alignedFeatures?: number[];
  /** historyFeatures of the shifted map, where the search found an earlier save on another grid. */
  shifted?: number[];
  /** The found lattice's strength (readJpegHistory's `shifted.strength`). */
  strength?: number;
  /** The found lattice's grid from the last save's (0–7 px each way). */
  offset?: { x: number; y: number };
  /** The file's last JPEG quality, 0 where it is lossless. */
  quality: number;
  label: number;
};
const data = path.resolve(import.meta.dirname, '../../../../shared/data');
const quality = Number(values.quality);
const cache: Record<string, Face[]> =
  values.cache && existsSync(values.cache) ? JSON.parse(await readFile(values.cache, 'utf8')) : {};
const logitCache: Record<string, Face[]> = values.logits ? JSON.parse(await readFile(values.logits, 'utf8')) : {};
const model = await loadDetector(path.resolve(values.model));
const { inference, calibration } = model.manifest;
const weight = inference?.compressionBreakWeight ?? 0;
const minQuality = inference?.compressionBreakMinQuality ?? 0;
const counted = (f: Face) => f.quality >= minQuality;
const gateStrength = Number(values['gate-strength']);
const gateAround = Number(values['gate-around']);
const threshold = calibration?.logitThreshold ?? 0;

async function facesOf(spec: string): Promise<Face[]> {
  const key = `${spec}:q${quality}:n${values.count}`;
  if (cache[key]) return cache[key];
  const [pool, seed, regime] = spec.split(':');
  const mix = regime === 'mix';
  const colour = regime === 'colour' || regime === 'grid-colour';
  // `grid` / `grid-colour`: saved once on the photo's own grid, as `unwarp eval --jpeg Q [--colour]`; `grid-resave`:
  // saved at q70–90 first on that grid; `resized*`: the photo resized first (`resized` then off the grid,
  // `grid-resized` saved twice on one grid, `resized-once` exported once).
  const onGrid = ['grid', 'grid-colour', 'grid-resave', 'grid-resized', 'resized-once'];
  const offGrid = !onGrid.includes(regime ?? '');
  const resize = regime?.includes('resized') ?? false;
  const resaveOnGrid = regime === 'grid-resave' || regime === 'grid-resized';
  const { samples } = await simulatedSamples(
    {
      photoDirs: [path.join(data, pool!)],
      count: Number(values.count),
      seed: Number(seed ?? 1),
      ...(mix ? {} : { jpegQuality: quality, offGrid, colour, resize, resaveOnGrid }),
    },
    model.manifest,
  );
  const faces: Face[] = [];
  const known = logitCache[key];
  for await (const s of samples) {
    const before = known?.[faces.length];
    if (before && before.label !== s.label) throw new Error(`${key}: --logits holds another draw`);
    const networkLogit =
      before?.logit ?? (await model.predict(s.modified, { region: s.faceBox, scoreOnly: true })).networkLogit;
    faces.push({
      logit: networkLogit,
      aligned: s.history ? weighHistoryFeatures(s.history.features, s.history.scale) : 0,
      alignedFrequencies: s.history?.frequencies ?? 0,
      alignedFaint: s.history ? isFaintHistory(s.history.features, s.history.scale) : false,
      ...(s.history ? { alignedFeatures: s.history.features } : {}),
      ...(s.shiftedHistory
        ? { shifted: s.shiftedHistory.features, strength: s.shiftedHistory.strength, offset: s.shiftedHistory.offset }
        : {}),
      quality: s.jpegQuality ?? 0,
      label: s.label,
    });
    process.stderr.write(`\r${spec} ${faces.length}`);
  }
  process.stderr.write('\n');
  cache[key] = faces;
  if (values.cache) await writeFile(values.cache, JSON.stringify(cache));
  return faces;
}

if (values.prepare) {
  for (const spec of [...values.fit, ...values.test]) await facesOf(spec);
  model.dispose();
  process.exit(0);
}
const fitSet: Face[] = [];
for (const spec of values.fit) fitSet.push(...(await facesOf(spec)));
/** Where the pipeline searched the other grids before session 24: the aligned map showed fewer than 3 frequencies. */
const searched = (f: Face) => (f.alignedFrequencies ?? 0) < MIN_HISTORY_FREQUENCIES;
// The fit as session 23 made it: on the faces whose search ran and found a save.
const found = fitSet.filter((f) => f.shifted && searched(f));
const fit: HistoryEvidenceFit = fitLogistic(
  found.map((f) => f.shifted!.map(signedLog1p)),
  found.map((f) => f.label),
);
if (values.out) await writeFile(values.out, JSON.stringify(fit, null, 2));
console.log(
  `fit ${values.fit.join(' + ')} q${quality}: ${found.length} of ${fitSet.length} faces with a save on another grid; weights [${fit.weights.join(', ')}], intercept ${fit.intercept}`,
);
const passes = (f: Face) =>
  f.shifted !== undefined && (f.strength ?? 0) >= gateStrength && (f.shifted[MEAN_AROUND_FEATURE] ?? 0) >= gateAround;
const shiftedAnywhere = (f: Face) => (passes(f) ? combineHistoryFeatures(f.shifted!, fit) : undefined);
const shiftedEvidence = (f: Face) => (searched(f) ? shiftedAnywhere(f) : undefined);
// D3: a shifted map that shows no earlier save around the face (isFaintHistory of its features, no colour scale)
// gives way to a history on the last grid.
const shiftedUnlessFaint = (f: Face) =>
  searched(f) || (f.shifted && !isFaintHistory(f.shifted, 1)) ? shiftedAnywhere(f) : undefined;
const shiftedOverFaint = (f: Face) => (searched(f) || f.alignedFaint ? shiftedAnywhere(f) : undefined);
const around = (features: number[] | undefined) => features?.[MEAN_AROUND_FEATURE] ?? Number.NEGATIVE_INFINITY;
// D5a: beside a history on the last grid, the map that keeps the earlier save more clearly around the face.
const shiftedOverWeaker = (f: Face) =>
  searched(f) || around(f.shifted) > around(f.alignedFeatures) ? shiftedAnywhere(f) : undefined;
/** A lattice 0 or 4 px off the last grid each way: where a resized JPEG's own blocks fall after ×1.5, ×2.5, ×0.5. */
const halfBlock = (f: Face) => f.offset !== undefined && f.offset.x % 4 === 0 && f.offset.y % 4 === 0;
/** The aligned map's evidence where it read at least MIN_HISTORY_FREQUENCIES frequencies (a stray one or two: none). */
const strayDropped = (f: Face) => ((f.alignedFrequencies ?? 0) >= MIN_HISTORY_FREQUENCIES ? f.aligned : 0);
/** Each rule's history evidence per face; its score is the network's logit plus weight × that where the history counts. */
const rules: [string, (f: Face) => number][] = [
  ['aligned map alone (shipped until session 24)', (f) => f.aligned],
  [
    `B: shifted map where searched (aligned < ${MIN_HISTORY_FREQUENCIES} frequencies) and found, else aligned from ${MIN_HISTORY_FREQUENCIES} frequencies${gateStrength > 0 || gateAround > -Infinity ? ` (strength ≥ ${gateStrength}, around ≥ ${gateAround})` : ''}`,
    (f) => shiftedEvidence(f) ?? strayDropped(f),
  ],
  [
    `D: shifted map wherever found (always searched), else aligned from ${MIN_HISTORY_FREQUENCIES} frequencies`,
    (f) => shiftedAnywhere(f) ?? strayDropped(f),
  ],
  [
    `D2: as D, but beside an aligned history of ${MIN_HISTORY_FREQUENCIES} or more frequencies only where that history is faint`,
    (f) => shiftedOverFaint(f) ?? strayDropped(f),
  ],
  [
    `D3: as D, but beside an aligned history of ${MIN_HISTORY_FREQUENCIES} or more frequencies only where the shifted map's history around the face is not faint`,
    (f) => shiftedUnlessFaint(f) ?? strayDropped(f),
  ],
  [
    'D4: as D3, but the aligned evidence of 1–2 frequencies kept where no save was found',
    (f) => shiftedUnlessFaint(f) ?? f.aligned,
  ],
  [
    "D5a (shipped since session 25): as D4, but beside an aligned history of 3+ frequencies only where the shifted map's history around the face is stronger than the aligned map's",
    (f) => shiftedOverWeaker(f) ?? f.aligned,
  ],
  [
    'D5b: as D4, but beside an aligned history of 3+ frequencies never on a half-block grid (offsets of 0 or 4 each way)',
    (f) => (searched(f) || !halfBlock(f) ? shiftedUnlessFaint(f) : undefined) ?? f.aligned,
  ],
  ['network alone', () => 0],
];
const stray = (f: Face) =>
  counted(f) &&
  shiftedEvidence(f) === undefined &&
  (f.alignedFrequencies ?? 0) > 0 &&
  (f.alignedFrequencies ?? 0) < MIN_HISTORY_FREQUENCIES;
const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
console.log(
  `threshold (shipped calibration): logit ${threshold.toFixed(3)}, history weight ${weight} from q${minQuality}`,
);
for (const spec of [...values.fit, ...values.test]) {
  const faces = await facesOf(spec);
  const untouched = faces.filter((f) => f.label === 0);
  const edited = faces.filter((f) => f.label === 1);
  console.log(
    `${spec}: ${edited.length} edited / ${untouched.length} untouched; another grid found for ${edited.filter((f) => f.shifted).length} / ${untouched.filter((f) => f.shifted).length} (${edited.filter((f) => f.shifted && !searched(f)).length} / ${untouched.filter((f) => f.shifted && !searched(f)).length} beside an aligned history), passing the gate ${edited.filter(passes).length} / ${untouched.filter(passes).length}; aligned map of 1–${MIN_HISTORY_FREQUENCIES - 1} frequencies (counted, no save found) ${edited.filter(stray).length} / ${untouched.filter(stray).length}`,
  );
  if (values.list)
    for (const f of faces.filter((f) => f.shifted && !searched(f)))
      console.log(
        `    ${f.label ? 'edited   ' : 'untouched'} offset (${f.offset?.x},${f.offset?.y}) strength ${f.strength?.toFixed(3)} around: shifted ${around(f.shifted).toFixed(3)} aligned ${around(f.alignedFeatures).toFixed(3)} (${f.alignedFrequencies} freq.); evidence: shifted ${shiftedAnywhere(f)?.toFixed(2)} aligned ${f.aligned.toFixed(2)}; logit ${f.logit.toFixed(2)}`,
      );
  for (const [name, evidence] of rules) {
    const score = (f: Face) => f.logit + (counted(f) ? weight * evidence(f) : 0);
    const ap = averagePrecision(
      faces.map(score),
      faces.map((f) => f.label),
    );
    const flagged = (set: Face[]) => set.filter((f) => score(f) >= threshold).length;
    // As the pipeline outlines: only where the history counts at the file's quality.
    const outlined = (set: Face[]) => set.filter((f) => counted(f) && evidence(f) > HOTSPOT_MIN_EVIDENCE).length;
    console.log(
      `  ${name}: AP ${ap.toFixed(4)}; flagged untouched ${pct(flagged(untouched), untouched.length)}, edited ${pct(flagged(edited), edited.length)}; evidence > 1: untouched ${pct(outlined(untouched), untouched.length)}, edited ${pct(outlined(edited), edited.length)}`,
    );
  }
}
model.dispose();
