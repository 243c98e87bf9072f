// Should the face score add the JPEG-history evidence (`compressionBreak`, @unwarp/aids) to the network's logit?
// Scores whole simulator-edited faces of val/afw (where the weight is chosen) and val/helen (where it is reported)
// under three exports: lossless (clean), one JPEG q90 save on the photo's grid, and the usual post-processing mix;
// then, for weights w, the AP of logit + w * break per pool and condition. out.json caches the scored faces.
//   node --import tsx packages/model/scripts/fusion-study.ts <modelDir> [count=100] [out.json]
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { averagePrecision } from '@unwarp/flow';
import { simulatedSamples } from '../src/evaluate.ts';
import { loadDetector } from '../src/infer.ts';

type Face = { pool: string; condition: string; logit: number; compressionBreak: number; label: number };
const [modelDir, countArg, outFile] = process.argv.slice(2);
if (!modelDir) throw new Error('usage: fusion-study.ts <modelDir> [count] [out.json]');
const count = Number(countArg ?? 100);
const data = path.resolve(import.meta.dirname, '../../../../shared/data');
const conditions = {
  clean: { postprocess: false },
  jpeg90: { jpegQuality: 90 },
  usual: { postprocess: true },
} as const;
const cached = outFile ? await readFile(outFile, 'utf8').catch(() => '') : '';
const faces: Face[] = cached ? (JSON.parse(cached) as Face[]) : [];
const model = await loadDetector(modelDir);
for (const pool of ['val/afw', 'val/helen'])
  for (const [condition, opts] of Object.entries(conditions)) {
    if (faces.some((f) => f.pool === pool && f.condition === condition)) continue;
    const { samples } = await simulatedSamples(
      { photoDirs: [path.join(data, pool)], count, seed: 11, ...opts },
      model.manifest,
    );
    for await (const s of samples) {
      const { logit } = await model.predict(s.modified, { region: s.faceBox });
      faces.push({ pool, condition, logit, compressionBreak: s.compressionBreak, label: s.label });
    }
    if (outFile) await writeFile(outFile, JSON.stringify(faces));
    console.error(`scored ${pool} ${condition}`);
  }
model.dispose();

const weights = [0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 1000];
console.log(`AP of logit + w * compressionBreak (w = 1000: the break alone), ${count} faces per pool and condition`);
console.log(
  `w | ${Object.keys(conditions)
    .flatMap((c) => ['val/afw', 'val/helen'].map((p) => `${p} ${c}`))
    .join(' | ')} | mean afw`,
);
for (const w of weights) {
  const row: string[] = [];
  let afw = 0;
  for (const condition of Object.keys(conditions))
    for (const pool of ['val/afw', 'val/helen']) {
      const set = faces.filter((f) => f.pool === pool && f.condition === condition);
      const ap = averagePrecision(
        set.map((f) => f.logit + w * f.compressionBreak),
        set.map((f) => f.label),
      );
      if (pool === 'val/afw') afw += ap / 3;
      row.push(ap.toFixed(3));
    }
  console.log(`${w} | ${row.join(' | ')} | ${afw.toFixed(3)}`);
}
