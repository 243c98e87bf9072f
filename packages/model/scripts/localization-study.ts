// Does the head's window map say where a face was edited? On simulator-edited whole faces (val/helen by default, no
// post-processing unless --resaved), each window centred in the face box is labelled "edited" when at least 5% of its
// pixels moved by more than 1 px, and its logit is scored against that label: ROC AUC per face (faces with both kinds
// of window), pooled over faces, and the share of faces whose top window sits on an edit.
//   node --import tsx packages/model/scripts/localization-study.ts <modelDir> [count=80] [--resaved]
import path from 'node:path';
import { rocAuc } from '@unwarp/flow';
import { simulatedSamples } from '../src/evaluate.ts';
import { loadDetector } from '../src/infer.ts';

const args = process.argv.slice(2);
const [modelDir, countArg] = args.filter((a) => !a.startsWith('--'));
if (!modelDir) throw new Error('usage: localization-study.ts <modelDir> [count] [--resaved]');
const count = Number(countArg ?? 80);
const model = await loadDetector(modelDir);
const { samples, source } = await simulatedSamples(
  {
    photoDirs: [path.resolve(import.meta.dirname, '../../../../shared/data/val/helen')],
    count,
    seed: 3,
    postprocess: args.includes('--resaved'),
  },
  model.manifest,
);
const aucs: number[] = [];
let topOnEdit = 0;
let faces = 0;
let editedShare = 0;
for await (const s of samples) {
  if (s.label !== 1) continue;
  const p = await model.predict(s.modified, { region: s.faceBox });
  const { rows, cols, cells, stride, logits } = p.grid;
  const size = cells * stride;
  const scores: number[] = [];
  const labels: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const cx = (c + cells / 2) * stride;
      const cy = (r + cells / 2) * stride;
      const { x0, y0, x1, y1 } = s.faceBox;
      if (cx < x0 || cx >= x1 || cy < y0 || cy >= y1) continue;
      let moved = 0;
      let n = 0;
      for (let y = r * stride; y < Math.min(s.flow.height, r * stride + size); y += 2)
        for (let x = c * stride; x < Math.min(s.flow.width, c * stride + size); x += 2) {
          const i = (y * s.flow.width + x) * 2;
          if (Math.hypot(s.flow.data[i]!, s.flow.data[i + 1]!) > 1) moved++;
          n++;
        }
      scores.push(logits[r * cols + c]!);
      labels.push(moved / n >= 0.05 ? 1 : 0);
    }
  const pos = labels.filter((l) => l === 1).length;
  if (pos === 0) continue;
  faces++;
  editedShare += pos / labels.length;
  if (pos < labels.length) aucs.push(rocAuc(scores, labels));
  const top = scores.indexOf(Math.max(...scores));
  if (labels[top] === 1) topOnEdit++;
}
model.dispose();
const mean = aucs.reduce((a, b) => a + b, 0) / Math.max(1, aucs.length);
process.stdout.write(
  `${model.manifest.name}@${model.manifest.version}, ${source}\n` +
    `${faces} edited faces: windows on an edit ${(100 * (editedShare / faces)).toFixed(1)}% of the face's windows on average\n` +
    `window AUC (edited vs not, within a face): mean ${mean.toFixed(3)} over ${aucs.length} faces\n` +
    `top window on an edit: ${topOnEdit} of ${faces} (${((100 * topOnEdit) / faces).toFixed(1)}%; chance ≈ ${(100 * (editedShare / faces)).toFixed(1)}%)\n`,
);
