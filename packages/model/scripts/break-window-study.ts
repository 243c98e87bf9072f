// Which window size should `compressionBreak` (@unwarp/aids) sum block evidence over? Simulator edits on whole faces
// of one pool, each photo saved once as JPEG at quality Q on its own grid (as `unwarp eval --jpeg Q`), scored by the
// most negative window sum over the face box for windows of a share of the face box's shorter side. Choose on val/afw
// (the calibration pool), report on val/helen.
//   node --import tsx packages/model/scripts/break-window-study.ts [count=150] [quality=90] [pool=val/afw]
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compressionBreak, type DoubleJpegMap, doubleJpegMap, ijgTable, lumaOf, STD_LUMA } from '@unwarp/aids';
import { averagePrecision, rocAuc } from '@unwarp/flow';
import { simulatedSamples } from '../src/evaluate.ts';

const [countArg, qArg, poolArg] = process.argv.slice(2);
const quality = Number(qArg ?? 90);
const root = path.resolve(import.meta.dirname, '../../..');
const manifest = JSON.parse(await readFile(path.join(root, 'models/unwarp-base/model.json'), 'utf8'));
const { samples } = await simulatedSamples(
  {
    photoDirs: [path.resolve(root, '../shared/data', poolArg ?? 'val/afw')],
    count: Number(countArg ?? 150),
    seed: 1,
    jpegQuality: quality,
  },
  manifest,
);
type Box = { x0: number; y0: number; x1: number; y1: number };
const cases: { map: DoubleJpegMap; box: Box; label: number }[] = [];
for await (const s of samples) {
  const { width: w, height: h } = s.modified;
  const steps = ijgTable(STD_LUMA, quality);
  cases.push({ map: doubleJpegMap(lumaOf(s.modified.data, w, h), w, h, { steps }), box: s.faceBox, label: s.label });
}
const labels = cases.map((c) => c.label);

console.log(`${labels.filter(Boolean).length} of ${labels.length} faces edited; JPEG q${quality}`);
for (const share of [0.2, 0.3, 0.4, 0.5, 0.6, 0.8]) {
  const scores = cases.map((c) => compressionBreak(c.map, c.box, share));
  console.log(
    `window ${share} of the face: AP ${averagePrecision(scores, labels).toFixed(3)}, ROC AUC ${rocAuc(scores, labels).toFixed(3)}`,
  );
}
