// Can the predicted W be made more useful at inference without retraining? On simulator-edited whole faces (clean,
// every family; val/afw by default so `unwarp eval` on val/helen stays the untuned measure), compares the model's W
// (W × P(moved), before any calibrated gain) with: W scaled by a gain, by a gain times the face's probability (what
// `unwarp calibrate` fits), W kept only where P(moved) passes a gate, and W averaged with the W predicted on the
// mirrored face (mirrored back, dx negated). Prints, per variant, EPE over moved pixels and over the face box (both against zero-flow) and the PSNR
// gain of the face box after unwarping, beside what unwarping with the true W gains.
// Use a copy of the model folder with `inference.useFlow: true`.
//   node --import tsx packages/model/scripts/field-shaping-study.ts <modelDir> [count=60] [photoDir]
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { endpointError, type FlowField, psnr, unwarp } from '@unwarp/flow';
import { faceBoxMask, simulatedSamples } from '../src/evaluate.ts';
import { loadDetector, type RgbImage } from '../src/infer.ts';
import { viewGrid } from '../src/views.ts';

const [modelDir, countArg, dirArg] = process.argv.slice(2);
if (!modelDir) throw new Error('usage: field-shaping-study.ts <modelDir> [count] [photoDir]');
const photoDir = dirArg ?? path.resolve(import.meta.dirname, '../../../../shared/data/val/afw');
const model = await loadDetector(modelDir);
// Copies of the model that keep W only where P(moved) reaches a threshold (`inference.movedGate`).
const GATES = [0.3, 0.5, 0.7];
const gated = await Promise.all(
  GATES.map(async (g) => {
    const d = await mkdtemp(path.join(tmpdir(), 'field-gate-'));
    await cp(modelDir, d, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(d, 'model.json'), 'utf8'));
    manifest.inference = { ...manifest.inference, movedGate: g };
    await writeFile(path.join(d, 'model.json'), JSON.stringify(manifest));
    return { gate: g, detector: await loadDetector(d), dir: d };
  }),
);
if (!model.predictsFlow) throw new Error(`${modelDir}: ${model.noFlowReason}; use a copy with inference.useFlow: true`);
const { samples } = await simulatedSamples(
  { photoDirs: [photoDir], count: Number(countArg ?? 60), seed: 11, postprocess: false },
  model.manifest,
);

const mirror = (img: RgbImage): RgbImage => ({ ...img, ...viewGrid(img, 3, 'mirror') });
/** W predicted on the mirrored image, brought back to the image's grid: mirrored again, with dx negated. */
const unmirrorFlow = (f: FlowField): FlowField => viewGrid(f, 2, 'mirror', true);

const combine = (a: FlowField, b: FlowField, wa: number, wb: number): FlowField => ({
  ...a,
  data: a.data.map((v, i) => wa * v + wb * b.data[i]!),
});

/** The two readings averaged, shrunk where their directions disagree (by the cosine between them, 0 when opposed). */
function agreement(a: FlowField, b: FlowField): FlowField {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i += 2) {
    const [ax, ay, bx, by] = [a.data[i]!, a.data[i + 1]!, b.data[i]!, b.data[i + 1]!];
    const na = Math.hypot(ax, ay);
    const nb = Math.hypot(bx, by);
    const cos = na > 1e-6 && nb > 1e-6 ? (ax * bx + ay * by) / (na * nb) : 0;
    const k = 0.5 * Math.max(0, cos);
    out[i] = k * (ax + bx);
    out[i + 1] = k * (ay + by);
  }
  return { ...a, data: out };
}

type Tally = { epe: number; box: number; psnr: number };
const variants = new Map<string, Tally>();
let zeroMoved = 0;
let zeroBox = 0;
let trueGain = 0;
let faces = 0;
for await (const s of samples) {
  if (s.label !== 1) continue;
  const prediction = await model.predict(s.modified, { region: s.faceBox, rawField: true });
  const plain = prediction.flow;
  const mirrored = unmirrorFlow((await model.predict(mirror(s.modified), { rawField: true })).flow);
  const { width, height } = s.flow;
  const mask = faceBoxMask(width, height, s.faceBox);
  const zero = { ...s.flow, data: new Float32Array(s.flow.data.length) };
  const zm = endpointError(zero, s.flow, { minGtMagnitude: 1 });
  if (zm.count === 0) continue;
  faces++;
  zeroMoved += zm.mean;
  zeroBox += endpointError(zero, s.flow, { mask }).mean;
  const base = psnr(s.modified, s.original, { mask });
  trueGain += psnr(unwarp(s.modified, s.flow, { interpolation: 'bicubic' }).image, s.original, { mask }) - base;
  const averaged = combine(plain, mirrored, 0.5, 0.5);
  const candidates: [string, FlowField][] = [];
  const agreed = agreement(plain, mirrored);
  for (const g of [0.25, 0.35, 0.5, 0.65, 1]) {
    candidates.push([`W x${g}`, combine(plain, plain, g, 0)]);
    candidates.push([`mirror-averaged x${g}`, combine(averaged, averaged, g, 0)]);
    candidates.push([`mirror-agreed x${g}`, combine(agreed, agreed, g, 0)]);
    candidates.push([`W x${g} x P(warped)`, combine(plain, plain, g * prediction.probability, 0)]);
  }
  for (const { gate, detector } of gated)
    candidates.push([
      `gated at P(moved) ${gate}`,
      (await detector.predict(s.modified, { region: s.faceBox, rawField: true })).flow,
    ]);
  for (const [name, w] of candidates) {
    const t = variants.get(name) ?? { epe: 0, box: 0, psnr: 0 };
    t.epe += endpointError(w, s.flow, { minGtMagnitude: 1 }).mean;
    t.box += endpointError(w, s.flow, { mask }).mean;
    t.psnr += psnr(unwarp(s.modified, w, { interpolation: 'bicubic' }).image, s.original, { mask }) - base;
    variants.set(name, t);
  }
}
model.dispose();
for (const g of gated) {
  g.detector.dispose();
  await rm(g.dir, { recursive: true });
}
console.log(
  `${faces} clean edited faces from ${photoDir}; unwarping with the true W gains ${(trueGain / faces).toFixed(2)} dB`,
);
console.log('variant                      EPE moved  EPE box  PSNR gain');
for (const [name, t] of variants)
  console.log(
    `${name.padEnd(28)} ${((100 * t.epe) / zeroMoved).toFixed(1).padStart(8)}% ${((100 * t.box) / zeroBox).toFixed(1).padStart(7)}% ${(t.psnr / faces).toFixed(2).padStart(8)} dB`,
  );
