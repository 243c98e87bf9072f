// Does reading the field again on the unwarped face find what the first reading missed? On edited faces (simulator
// edits of held-out val/helen photos), the product's field W1 read once (as shown, gate 0.5; the manifest's own
// inference.refine left out), then K more passes: unwarp the upload by the field so far, read the residual R on that
// image and compose (W = W1 + R∘(id + W1), the modified grid's convention), R × `--damp` and kept where |W1| reaches
// `--support` px (as inference.refine does). Prints EPE over moved pixels and the face box (ratios to zero-flow) and
// the PSNR gain per pass.
//   node --import tsx packages/model/scripts/refine-study.ts <modelDir> [--count N] [--seed S] [--passes K]
//     [--residual raw|shown] [--support PX] [--damp K]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type FlowField, unwarp } from '@unwarp/flow';
import { fieldScores, simulatedSamples } from '../src/evaluate.ts';
import { addResidual, loadDetector } from '../src/infer.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    passes: { type: 'string', default: '2' },
    residual: { type: 'string', default: 'raw' },
    damp: { type: 'string', default: '1' },
    support: { type: 'string', default: '0' },
  },
});
const modelDir = positionals[0];
if (!modelDir) throw new Error('usage: refine-study.ts <modelDir> [--count N] [--seed S] [--passes K]');
const passes = Number(values.passes);
const damp = Number(values.damp);
const support = Number(values.support);
const model = await loadDetector(modelDir);
const { samples } = await simulatedSamples(
  {
    photoDirs: [path.resolve(import.meta.dirname, '../../../../shared/data/val/helen')],
    count: Number(values.count),
    seed: Number(values.seed),
    postprocess: false,
  },
  model.manifest,
);
type Row = { epe: number; box: number; gain: number };
const rows: Row[][] = Array.from({ length: passes + 1 }, () => []);
let zeroEpe = 0;
let zeroBox = 0;
let n = 0;
const scale = (f: FlowField, k: number): FlowField => ({ ...f, data: f.data.map((v) => v * k) });
for await (const s of samples) {
  if (s.label !== 1) continue;
  const first = await model.predict(s.modified, {
    region: s.faceBox,
    compressionBreak: s.compressionBreak,
    historyEvidence: s.historyEvidence,
    jpegQuality: s.jpegQuality,
    refine: false,
  });
  let W = first.flow;
  for (let k = 0; k <= passes; k++) {
    if (k > 0 && first.fieldShown) {
      const r1 = unwarp(s.modified, W, { interpolation: 'bicubic' }).image;
      const res = await model.predict(r1, {
        region: s.faceBox,
        jpegQuality: s.jpegQuality,
        refine: false,
        ...(values.residual === 'raw' ? { rawField: true } : { threshold: 0 }),
      });
      // The residual kept only where the first reading saw motion, as inference.refine does (support 0 keeps it all).
      W = addResidual(W, scale(res.flow, damp), first.flow, support);
    }
    const f = fieldScores(W, s);
    if (k === 0) {
      zeroEpe += f.zeroEpe;
      zeroBox += f.boxZero;
    }
    rows[k]!.push({ epe: f.epe, box: f.box, gain: f.psnrRecovered - f.psnrModified });
  }
  n++;
  process.stderr.write(`\r${n} edited faces`);
}
model.dispose();
process.stderr.write('\n');
console.log(
  `${n} edited faces (val/helen seed ${values.seed} clean; residual ${values.residual}, damp ${damp}, support ${support})`,
);
rows.forEach((r, k) => {
  const sum = (f: (x: Row) => number) => r.reduce((a, x) => a + f(x), 0);
  console.log(
    `pass ${k}: EPE moved ${((100 * sum((x) => x.epe)) / zeroEpe).toFixed(1)}%, face box ${((100 * sum((x) => x.box)) / zeroBox).toFixed(1)}%, PSNR gain ${(sum((x) => x.gain) / n).toFixed(2)} dB`,
  );
});
