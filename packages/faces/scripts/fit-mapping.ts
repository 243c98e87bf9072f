/**
 * Derives MESH_TO_68 from data: `npx tsx packages/faces/scripts/fit-mapping.ts [n]`. For each of the 68 300-W points,
 * picks the mesh vertex, or the midpoint of two, with the least mean error (normalised by the outer-eye-corner
 * distance) over n photos of train/helen, and prints the table beside the current one. Validation stays on val/.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createFaceDetector,
  listLandmarkedPhotos,
  loadUpright,
  MESH_TO_68,
  onePerPhoto,
  type Point,
  readPts,
} from '../src/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(here, '../../../../shared/data/train/helen');
const n = Number(process.argv[2] ?? 150);
// One face per photo id, so timings and errors are per photo, not per annotation.
const refs = onePerPhoto(await listLandmarkedPhotos([dir])).slice(0, n);

const detector = await createFaceDetector();
const samples: { mesh: Point[]; gt: Point[]; iod: number }[] = [];
for (const ref of refs) {
  const img = await loadUpright(ref.imagePath);
  const gt = readPts(await readFile(ref.ptsPath, 'utf8'));
  const iod = dist(gt[36]!, gt[45]!);
  let best: { mesh: Point[]; e: number } | undefined;
  for (const face of await detector.detect(img)) {
    const e = mean(face.landmarks68.map((p, i) => dist(p, gt[i]!))) / iod;
    if (face.mesh && (!best || e < best.e)) best = { mesh: face.mesh, e };
  }
  // A face matched this badly is a miss, not a mapping question.
  if (best && best.e < 0.25) samples.push({ mesh: best.mesh, gt, iod });
}
detector.dispose();

const errOf = (k: number, ids: number[]) =>
  mean(
    samples.map((s) => {
      const x = mean(ids.map((i) => s.mesh[i]![0]));
      const y = mean(ids.map((i) => s.mesh[i]![1]));
      return dist([x, y], s.gt[k]!) / s.iod;
    }),
  );
const table: number[][] = [];
let oldSum = 0;
let newSum = 0;
for (let k = 0; k < 68; k++) {
  const singles = Array.from({ length: 468 }, (_, v) => ({ ids: [v], e: errOf(k, [v]) })).sort((a, b) => a.e - b.e);
  let best = singles[0]!;
  const top = singles.slice(0, 15);
  for (let a = 0; a < top.length; a++)
    for (let b = a + 1; b < top.length; b++) {
      const ids = [top[a]!.ids[0]!, top[b]!.ids[0]!];
      const e = errOf(k, ids);
      // A pair must earn its place: at least 2% better than the best single vertex.
      if (e < best.e * 0.98) best = { ids, e };
    }
  table.push(best.ids);
  const old = errOf(k, [...MESH_TO_68[k]!]);
  oldSum += old;
  newSum += best.e;
  process.stdout.write(
    `${k}: old ${JSON.stringify(MESH_TO_68[k])} ${old.toFixed(3)} -> ${JSON.stringify(best.ids)} ${best.e.toFixed(3)}\n`,
  );
}
process.stdout.write(
  `photos ${samples.length}/${refs.length}; mean NME old ${(oldSum / 68).toFixed(4)} new ${(newSum / 68).toFixed(4)}\n`,
);
process.stdout.write(`${JSON.stringify(table)}\n`);

function dist(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}
function mean(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}
