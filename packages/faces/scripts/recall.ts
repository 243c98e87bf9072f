/**
 * Face recall on val/afw by annotated face width: `npx tsx packages/faces/scripts/recall.ts [minScore]`. An annotated face
 * counts as found when a detected box holds the centroid of its 68 points. Also counts faces on train/nonface.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFaceDetector, loadUpright, readPts } from '../src/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = path.resolve(here, '../../../../shared/data');
const detector = await createFaceDetector({ minScore: Number(process.argv[2] ?? 0.5) });
const afw = path.join(data, 'val/afw');
const names = (await readdir(afw)).filter((f) => f.endsWith('.pts'));
const byPhoto = new Map<string, string[]>();
for (const n of names) {
  const id = n.slice(0, n.lastIndexOf('_'));
  byPhoto.set(id, [...(byPhoto.get(id) ?? []), n]);
}
const buckets = new Map<string, [number, number]>();
let extra = 0;
const crowdMs: number[] = [];
for (const pts of byPhoto.values()) {
  const img = await loadUpright(path.join(afw, `${pts[0]!.replace(/\.pts$/, '')}.jpg`));
  const t = performance.now();
  const faces = await detector.detect(img);
  if (pts.length >= 5) crowdMs.push(performance.now() - t);
  const used = new Set<number>();
  for (const n of pts) {
    const g = readPts(await readFile(path.join(afw, n), 'utf8'));
    const xs = g.map((p) => p[0]);
    const w = Math.max(...xs) - Math.min(...xs);
    const c = [xs.reduce((s, v) => s + v, 0) / 68, g.reduce((s, p) => s + p[1], 0) / 68] as const;
    const hit = faces.findIndex(
      (f) => c[0] >= f.box.x && c[0] <= f.box.x + f.box.width && c[1] >= f.box.y && c[1] <= f.box.y + f.box.height,
    );
    if (hit >= 0) used.add(hit);
    const key = w < 40 ? 'w<40' : w < 60 ? 'w40-60' : w < 100 ? 'w60-100' : 'w>=100';
    const b = buckets.get(key) ?? [0, 0];
    buckets.set(key, [b[0] + (hit >= 0 ? 1 : 0), b[1] + 1]);
  }
  extra += faces.length - used.size;
}
let nonfaceHits = 0;
const nf = path.join(data, 'train/nonface');
const nfFiles = (await readdir(nf)).filter((f) => /\.(jpe?g|png)$/i.test(f));
for (const f of nfFiles) {
  const faces = await detector.detect(await loadUpright(path.join(nf, f)));
  if (faces.length > 0) nonfaceHits++;
}
process.stdout.write(
  `${JSON.stringify({ photos: byPhoto.size, recall: Object.fromEntries(buckets), unmatchedDetections: extra, crowdMs: crowdMs.map(Math.round), nonface: `${nonfaceHits}/${nfFiles.length} photos with a face` })}\n`,
);
detector.dispose();
