// What showing the field only on flagged faces costs and saves: on edited faces (simulator edits of held-out photos,
// or stored pairs such as foreign-edits.ts writes), the product's field (W × P(moved) × gain × p) against the same
// field zeroed wherever the face's probability is under a gate. Prints, per gate, EPE over moved pixels and over the
// face box (ratios to zero-flow) and the PSNR gain over the face box, as `unwarp eval` measures them, from one pass.
//   node --import tsx packages/model/scripts/field-gate-study.ts <modelDir> [--count N] [--seed S] [--clean] [--pairs DIR]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fieldScores, simulatedSamples, storedSamples } from '../src/evaluate.ts';
import { loadDetector } from '../src/infer.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    clean: { type: 'boolean', default: false },
    pairs: { type: 'string' },
  },
});
const modelDir = positionals[0];
if (!modelDir) throw new Error('usage: field-gate-study.ts <modelDir> [--count N] [--seed S] [--clean] [--pairs DIR]');
const GATES = [0, 0.25, 0.5];
const model = await loadDetector(modelDir);
const count = Number(values.count);
const { samples } = values.pairs
  ? await storedSamples([values.pairs], count)
  : await simulatedSamples(
      {
        photoDirs: [path.resolve(import.meta.dirname, '../../../../shared/data/val/helen')],
        count,
        seed: Number(values.seed),
        postprocess: !values.clean,
      },
      model.manifest,
    );
// Per edited face: its probability and what its field scores; a gated-off face scores as zero-flow.
type Face = {
  kind: string;
  p: number;
  epe: number;
  zero: number;
  n: number;
  box: number;
  boxZero: number;
  gain: number;
};
const faces: Face[] = [];
for await (const s of samples) {
  if (s.label !== 1) continue;
  // Which edit a stored pair is (foreign-edits.ts names its command); the simulator's samples name none.
  const kind = values.pairs ? (/-(swirl|implode|distort \w+)/.exec(s.software ?? '')?.[1] ?? 'edit') : 'simulator';
  const pred = await model.predict(s.modified, {
    region: s.faceBox,
    compressionBreak: s.compressionBreak,
    historyEvidence: s.historyEvidence,
    jpegQuality: s.jpegQuality,
    // Every face's field, even for a model that shows it only on flagged faces: the gates are applied below.
    threshold: 0,
  });
  const f = fieldScores(pred.flow, s);
  faces.push({
    kind,
    p: pred.probability,
    epe: f.epe,
    zero: f.zeroEpe,
    n: f.moved,
    box: f.box,
    boxZero: f.boxZero,
    gain: f.psnrRecovered - f.psnrModified,
  });
  process.stderr.write(`\r${faces.length} edited faces`);
}
model.dispose();
process.stderr.write('\n');
const sum = (f: (x: Face) => number) => faces.reduce((a, x) => a + f(x), 0);
const fmt = (v: number, d = 1) => v.toFixed(d);
console.log(
  `${faces.length} edited faces (${values.pairs ?? `val/helen seed ${values.seed}${values.clean ? ' clean' : ''}`})`,
);
for (const gate of GATES) {
  const shown = (x: Face) => x.p >= gate;
  const kept = faces.filter(shown).length;
  const epe = sum((x) => (shown(x) ? x.epe : x.zero)) / sum((x) => x.zero);
  const box = sum((x) => (shown(x) ? x.box : x.boxZero)) / sum((x) => x.boxZero);
  const gain = sum((x) => (shown(x) ? x.gain : 0)) / faces.length;
  console.log(
    `gate p ≥ ${gate}: field on ${kept}/${faces.length} faces; EPE moved ${fmt(100 * epe)}%, face box ${fmt(100 * box)}%, PSNR gain ${fmt(gain, 2)} dB`,
  );
}
const under = faces.filter((x) => x.p < 0.5);
if (under.length > 0)
  console.log(
    `faces under 0.5: mean p ${fmt(under.reduce((a, x) => a + x.p, 0) / under.length, 3)}, their mean PSNR gain with the field ${fmt(under.reduce((a, x) => a + x.gain, 0) / under.length, 2)} dB`,
  );
if (values.pairs)
  for (const kind of [...new Set(faces.map((x) => x.kind))]) {
    const of = faces.filter((x) => x.kind === kind);
    const mean = (f: (x: Face) => number) => of.reduce((a, x) => a + f(x), 0) / of.length;
    console.log(
      `${kind}: ${of.length} faces, mean p ${fmt(
        mean((x) => x.p),
        3,
      )}, flagged ${of.filter((x) => x.p >= 0.5).length}, PSNR gain ${fmt(
        mean((x) => x.gain),
        2,
      )} dB (gated at 0.5: ${fmt(
        mean((x) => (x.p >= 0.5 ? x.gain : 0)),
        2,
      )} dB)`,
    );
  }
