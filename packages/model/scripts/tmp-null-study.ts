// Prototype: the face's worst-break window against same-size windows outside the face (the photo's own null).
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { doubleJpegMap, historyReading, ijgTable, lumaOf, STD_LUMA } from '@unwarp/aids';
import { averagePrecision } from '@unwarp/flow';
import { simulatedSamples } from '../src/evaluate.ts';

const [pool, seedArg, q, colour, out] = process.argv.slice(2);
const root = path.resolve(import.meta.dirname, '../../..');
const manifest = JSON.parse(await readFile(path.join(root, 'models/unwarp-base/model.json'), 'utf8'));
const { samples } = await simulatedSamples(
  { photoDirs: [path.resolve(root, '../shared/data', pool!)], count: 300, seed: Number(seedArg), jpegQuality: Number(q), colour: colour === 'colour' },
  manifest,
);
const rows: { label: number; evidence: number; z: number[]; p: number[]; n: number[] }[] = [];
const shares = [0.15, 0.2, 0.3, 0.4];
for await (const s of samples) {
  const map = doubleJpegMap(lumaOf(s.modified.data, s.modified.width, s.modified.height), s.modified.width, s.modified.height, { steps: ijgTable(STD_LUMA, Number(q)) });
  const { evidence } = historyReading(map, s.faceBox);
  const R = s.faceBox;
  const z: number[] = [], p: number[] = [], n: number[] = [];
  // integral image of llr
  const I = new Float64Array((map.cols + 1) * (map.rows + 1));
  for (let r = 0; r < map.rows; r++) for (let c = 0; c < map.cols; c++)
    I[(r + 1) * (map.cols + 1) + c + 1] = map.llr[r * map.cols + c]! + I[r * (map.cols + 1) + c + 1]! + I[(r + 1) * (map.cols + 1) + c]! - I[r * (map.cols + 1) + c]!;
  const sum = (r: number, c: number, w: number) => I[(r + w) * (map.cols + 1) + c + w]! - I[r * (map.cols + 1) + c + w]! - I[(r + w) * (map.cols + 1) + c]! + I[r * (map.cols + 1) + c]!;
  for (const share of shares) {
    const w = Math.max(3, Math.round((share * Math.min(R.x1 - R.x0, R.y1 - R.y0)) / 8));
    let worst = 0;
    const nul: number[] = [];
    for (let r = 0; r + w <= map.rows; r++) for (let c = 0; c + w <= map.cols; c++) {
      const cx = map.offsetX + 8 * (c + w / 2), cy = map.offsetY + 8 * (r + w / 2);
      const v = sum(r, c, w);
      const x0 = map.offsetX + 8 * c, y0 = map.offsetY + 8 * r;
      const overlaps = x0 < R.x1 && x0 + 8 * w > R.x0 && y0 < R.y1 && y0 + 8 * w > R.y0;
      if (cx >= R.x0 && cx < R.x1 && cy >= R.y0 && cy < R.y1) worst = Math.min(worst, v);
      else if (!overlaps) nul.push(v);
    }
    const mean = nul.reduce((a, b) => a + b, 0) / Math.max(1, nul.length);
    const sd = Math.sqrt(nul.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, nul.length)) || 1;
    z.push(map.frequencies.length ? (mean - worst) / sd : 0);
    p.push(map.frequencies.length ? nul.filter((v) => v <= worst).length / (nul.length + 1) : 0.5);
    n.push(nul.length);
  }
  rows.push({ label: s.label, evidence, z, p, n });
}
if (out) await writeFile(out, JSON.stringify(rows));
const labels = rows.map((r) => r.label);
console.log(pool, seedArg, q, colour ?? '', 'evidence AP', averagePrecision(rows.map((r) => r.evidence), labels).toFixed(4));
shares.forEach((s, i) => {
  console.log(`share ${s}: z AP ${averagePrecision(rows.map((r) => r.z[i]!), labels).toFixed(4)}, -p AP ${averagePrecision(rows.map((r) => -r.p[i]!), labels).toFixed(4)}, median null windows ${rows.map((r) => r.n[i]!).sort((a, b) => a - b)[150]}`);
  for (const k of [0.5, 1, 2]) console.log(`   evidence + ${k} z: ${averagePrecision(rows.map((r) => r.evidence + k * r.z[i]!), labels).toFixed(4)}`);
});
