// Where does the search for an earlier save on another grid (`readJpegHistory`) find one that is not there? Reads the
// JPEG history only (no network) of simulator samples, by default under the usual post-processing mix (rescales,
// noise, colour changes, JPEG at random qualities, each face re-saved from its own corner), and lists every face with
// a find: label, last quality, lattice strength, the mean block LLR around and inside the face, and the evidence a
// fit of the shifted map's features gives it (`--fit`, as off-grid-evidence-study.ts --out writes it). The finds at
// the quality the score weighs (q >= `--min-quality`) are what a gate against false finds has to stop
// (docs/training-experiments.md, twenty-second session).
//   node --import tsx packages/model/scripts/shifted-false-finds.ts [--pool train/helen] [--seed 1] [--count 1500] \
//     [--fit fit.json] [--min-quality 90] [--off-grid [--colour]] [--out finds.json]
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { combineHistoryFeatures, type HistoryEvidenceFit, MEAN_AROUND_FEATURE } from '@unwarp/aids';
import { simulatedSamples } from '../src/evaluate.ts';

const { values } = parseArgs({
  options: {
    pool: { type: 'string', default: 'train/helen' },
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '1500' },
    fit: { type: 'string' },
    'min-quality': { type: 'string', default: '90' },
    'off-grid': { type: 'boolean', default: false },
    /** With --off-grid: a colour edit before the export (`unwarp eval --off-grid --colour`). */
    colour: { type: 'boolean', default: false },
    /** Every find as JSON (label, last quality, strength, the twelve features), for a gate chosen afterwards. */
    out: { type: 'string' },
  },
});
const root = path.resolve(import.meta.dirname, '../../..');
const manifest = JSON.parse(await readFile(path.join(root, 'models/unwarp-base/model.json'), 'utf8'));
const fit: HistoryEvidenceFit | undefined = values.fit ? JSON.parse(await readFile(values.fit, 'utf8')) : undefined;
const minQuality = Number(values['min-quality']);
const { samples } = await simulatedSamples(
  {
    photoDirs: [path.resolve(root, '../shared/data', values.pool)],
    count: Number(values.count),
    seed: Number(values.seed),
    ...(values['off-grid'] ? { jpegQuality: 90, offGrid: true, colour: values.colour } : {}),
  },
  manifest,
);
let n = 0;
const counted: string[] = [];
let finds = 0;
const rows: { label: number; quality: number; strength: number; features: number[] }[] = [];
console.log('label  last q  strength  around  inside  evidence');
for await (const s of samples) {
  n++;
  const found = s.shiftedHistory;
  if (!found) continue;
  finds++;
  const f = found.features;
  const q = s.jpegQuality ?? 0;
  rows.push({ label: s.label, quality: q, strength: found.strength, features: f });
  if (values.out) await writeFile(values.out, JSON.stringify({ faces: n, rows }));
  const row = [
    s.label ? 'edited' : 'untouched',
    q ? `q${q}` : 'lossless',
    found.strength.toFixed(3),
    (f[MEAN_AROUND_FEATURE] as number).toFixed(3),
    (f[MEAN_AROUND_FEATURE + 1] as number).toFixed(3),
    fit ? combineHistoryFeatures(f, fit).toFixed(2) : '',
  ].join('  ');
  console.log(row);
  if (q >= minQuality) counted.push(row);
  process.stderr.write(`\r${n} faces`);
}
if (values.out) await writeFile(values.out, JSON.stringify({ faces: n, rows }));
console.log(
  `\n${values.pool} seed ${values.seed}${values['off-grid'] ? (values.colour ? ' (--off-grid --colour)' : ' (--off-grid)') : ' (usual mix)'}: ${finds} of ${n} faces with a find, ${counted.length} of them saved last at q${minQuality} or above:\n${counted.join('\n')}`,
);
