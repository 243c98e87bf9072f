// How should a face's windows make one score? Scores whole faces once (the window logits of every window centred on
// the face), then prints AP and ROC AUC per rule: max, mean of the top k, log-mean-exp at temperature T. val/afw picks the rule (it is the calibration pool); val/helen reports it,
// with and without the simulator's post-processing.
//   node --import tsx packages/model/scripts/aggregate-study.ts <modelDir> [count=200] [out.json]
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { averagePrecision, rocAuc } from '@unwarp/flow';
import { simulatedSamples } from '../src/evaluate.ts';
import { aggregateWindows, describeAggregate, loadDetector, type WindowAggregate } from '../src/infer.ts';

const [modelDir, countArg, outFile] = process.argv.slice(2);
if (!modelDir) throw new Error('usage: aggregate-study.ts <modelDir> [count] [out.json]');
const count = Number(countArg ?? 200);
const model = await loadDetector(modelDir);
const shared = path.resolve(import.meta.dirname, '../../../../shared/data/val');
const rules: WindowAggregate[] = [
  { rule: 'max' },
  ...[2, 4, 8, 16, 32].map((k) => ({ rule: 'topMean' as const, k })),
  ...[0.5, 1, 2, 4].map((t) => ({ rule: 'logMeanExp' as const, t })),
];
type Face = { label: number; windows: number[] };
const sets: { name: string; faces: Face[] }[] = [];
for (const pool of ['afw', 'helen'])
  for (const postprocess of [true, false]) {
    const { samples } = await simulatedSamples(
      { photoDirs: [path.join(shared, pool)], count, seed: 1, postprocess },
      model.manifest,
    );
    const faces: Face[] = [];
    for await (const s of samples) {
      const p = await model.predict(s.modified, { region: s.faceBox });
      faces.push({ label: s.label, windows: p.windows });
    }
    sets.push({ name: `${pool}${postprocess ? '' : ' clean'}`, faces });
    process.stderr.write(`scored ${faces.length} ${pool} faces${postprocess ? '' : ' (clean)'}\n`);
  }

const header = `rule               | ${sets.map((s) => `${s.name} AP / AUC`.padEnd(22)).join(' | ')}`;
process.stdout.write(`${model.manifest.name}@${model.manifest.version}: ${count} faces per set, half edited\n`);
process.stdout.write(`${header}\n`);
const rows: Record<string, Record<string, { ap: number; auc: number }>> = {};
for (const rule of rules) {
  const name = describeAggregate(rule);
  rows[name] = {};
  const cells = sets.map((s) => {
    const scores = s.faces.map((f) => aggregateWindows(f.windows, rule));
    const labels = s.faces.map((f) => f.label);
    const r = { ap: averagePrecision(scores, labels), auc: rocAuc(scores, labels) };
    rows[name]![s.name] = r;
    return `${r.ap.toFixed(3)} / ${r.auc.toFixed(3)}`.padEnd(22);
  });
  process.stdout.write(`${name.padEnd(18)} | ${cells.join(' | ')}\n`);
}
const chance = sets.map((s) => (s.faces.filter((f) => f.label === 1).length / s.faces.length).toFixed(3).padEnd(22));
process.stdout.write(`${'chance (AP)'.padEnd(18)} | ${chance.join(' | ')}\n`);
if (outFile) await writeFile(outFile, `${JSON.stringify({ model: modelDir, count, rows, sets }, null, 1)}\n`);
model.dispose();
