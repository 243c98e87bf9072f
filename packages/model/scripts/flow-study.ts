// What is wrong with the predicted W on edited faces: its size, or its direction? On simulator-edited whole faces
// (val/helen, no post-processing), over pixels that moved by more than 1 px, compares the model's W with the truth:
// EPE against zero-flow, EPE with each face's W sign-flipped where that is better (an oracle for the sign alone), the
// error of the magnitudes alone, the mean cosine between directions and the share pointing the wrong way.
// Use a copy of the model folder with `inference.useFlow: true` and no `calibration.field` (the raw field).
//   node --import tsx packages/model/scripts/flow-study.ts <modelDir> [count=80] [photoDir=val/helen]
import path from 'node:path';
import { simulatedSamples } from '../src/evaluate.ts';
import { loadDetector } from '../src/infer.ts';

const [modelDir, countArg, photoDirArg] = process.argv.slice(2);
if (!modelDir) throw new Error('usage: flow-study.ts <modelDir> [count]');
const model = await loadDetector(modelDir);
const { samples } = await simulatedSamples(
  {
    photoDirs: [photoDirArg ?? path.resolve(import.meta.dirname, '../../../../shared/data/val/helen')],
    count: Number(countArg ?? 80),
    seed: 5,
    postprocess: false,
  },
  model.manifest,
);
const sum = {
  epe: 0,
  zero: 0,
  oracle: 0,
  pixelOracle: 0,
  magnitude: 0,
  cos: 0,
  absCos: 0,
  wrongWay: 0,
  predMag: 0,
  n: 0,
};
// The field longer by a common factor: the expected displacement is shorter than the truth where the model is unsure.
const LONGER = [1.5, 2];
const longer = LONGER.map(() => 0);
// The x axis alone longer (y as predicted): with sideways views, x is read by other views than y, and may be shorter.
const X_LONGER = [1.25, 1.5, 1.75, 2];
const xLonger = X_LONGER.map(() => 0);
// Per axis: sums for the correlation and the regression slope of predicted on true dx (and dy).
const axis = { uu: 0, up: 0, pp: 0, vv: 0, vq: 0, qq: 0 };
let faces = 0;
for await (const s of samples) {
  if (s.label !== 1) continue;
  const { flow } = await model.predict(s.modified, { region: s.faceBox });
  let epe = 0;
  let flipped = 0;
  const face = { ...sum, zero: 0, pixelOracle: 0, magnitude: 0, cos: 0, absCos: 0, wrongWay: 0, predMag: 0, n: 0 };
  for (let i = 0; i < s.flow.width * s.flow.height; i++) {
    const [u, v] = [s.flow.data[2 * i]!, s.flow.data[2 * i + 1]!];
    const m = Math.hypot(u, v);
    if (m <= 1) continue;
    const [p, q] = [flow.data[2 * i]!, flow.data[2 * i + 1]!];
    const pm = Math.hypot(p, q);
    epe += Math.hypot(p - u, q - v);
    for (const [j, g] of LONGER.entries()) longer[j]! += Math.hypot(g * p - u, g * q - v);
    for (const [j, g] of X_LONGER.entries()) xLonger[j]! += Math.hypot(g * p - u, q - v);
    axis.uu += u * u;
    axis.up += u * p;
    axis.pp += p * p;
    axis.vv += v * v;
    axis.vq += v * q;
    axis.qq += q * q;
    flipped += Math.hypot(p + u, q + v);
    face.pixelOracle += Math.min(Math.hypot(p - u, q - v), Math.hypot(p + u, q + v));
    face.zero += m;
    face.magnitude += Math.abs(pm - m);
    face.predMag += pm;
    const c = pm > 1e-6 ? (p * u + q * v) / (pm * m) : 0;
    face.cos += c;
    face.absCos += Math.abs(c);
    if (c < 0) face.wrongWay++;
    face.n++;
  }
  if (face.n === 0) continue;
  faces++;
  sum.epe += epe;
  sum.oracle += Math.min(epe, flipped);
  for (const k of ['zero', 'pixelOracle', 'magnitude', 'cos', 'absCos', 'wrongWay', 'predMag', 'n'] as const)
    sum[k] += face[k];
}
model.dispose();
const pct = (a: number) => `${((100 * a) / sum.zero).toFixed(1)}%`;
console.log(
  `${faces} edited faces, ${sum.n} moved pixels; mean |W| ${(sum.zero / sum.n).toFixed(2)} px, mean |W^| ${(sum.predMag / sum.n).toFixed(2)} px`,
);
console.log(
  `EPE ${pct(sum.epe)} of zero-flow; with each face's sign chosen by an oracle ${pct(sum.oracle)}; magnitude error alone ${pct(sum.magnitude)}`,
);
console.log(
  `each pixel's sign chosen by an oracle (the axis alone) ${pct(sum.pixelOracle)}; mean |cosine| ${(sum.absCos / sum.n).toFixed(3)}`,
);
console.log(`EPE with the field longer: ${LONGER.map((g, j) => `x${g} ${pct(longer[j]!)}`).join(', ')}`);
console.log(`EPE with dx alone longer: ${X_LONGER.map((g, j) => `x${g} ${pct(xLonger[j]!)}`).join(', ')}`);
console.log(
  `mean cosine ${(sum.cos / sum.n).toFixed(3)}; pointing the wrong way ${((100 * sum.wrongWay) / sum.n).toFixed(1)}% of moved pixels`,
);
const perAxis = (name: string, tt: number, tp: number, pp: number) =>
  `${name}: correlation ${(tp / Math.sqrt(tt * pp)).toFixed(3)}, slope ${(tp / tt).toFixed(3)}, least-squares gain ${(tp / pp).toFixed(3)}`;
console.log(
  `per axis, predicted on true: ${perAxis('dx', axis.uu, axis.up, axis.pp)}; ${perAxis('dy', axis.vv, axis.vq, axis.qq)}`,
);
