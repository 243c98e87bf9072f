/**
 * Landmark accuracy and timing on the validation pools: `npx tsx packages/faces/scripts/measure.ts [n] [pool]`.
 * Error = mean point distance / outer-eye-corner distance (300-W's inter-ocular normalisation), for the detected face
 * whose landmarks lie closest to the annotated one. Reads photos in place from ../shared/data.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createFaceDetector,
  listLandmarkedPhotos,
  loadUpright,
  onePerPhoto,
  type Point,
  readPts,
} from '../src/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = path.resolve(here, '../../../../shared/data');
const n = Number(process.argv[2] ?? 40);
const pool = process.argv[3] ?? 'val/helen';

const dir = path.join(data, pool);
// One face per photo id, so timings and errors are per photo, not per annotation.
const refs = onePerPhoto(await listLandmarkedPhotos([dir])).slice(0, n);

const detector = await createFaceDetector();
const errs: number[] = [];
const perPoint = new Array<number>(68).fill(0);
const times: number[] = [];
let missed = 0;
for (const ref of refs) {
  const img = await loadUpright(ref.imagePath);
  const gt = readPts(await readFile(ref.ptsPath, 'utf8'));
  const t = performance.now();
  const faces = await detector.detect(img);
  times.push(performance.now() - t);
  const iod = dist(gt[36]!, gt[45]!);
  let best: number[] | undefined;
  for (const face of faces) {
    const d = face.landmarks68.map((p, i) => dist(p, gt[i]!) / iod);
    if (!best || mean(d) < mean(best)) best = d;
  }
  if (!best || mean(best) > 0.5) {
    missed++;
    continue;
  }
  errs.push(mean(best));
  best.forEach((e, i) => {
    perPoint[i]! += e;
  });
}
times.sort((a, b) => a - b);
errs.sort((a, b) => a - b);
const out = {
  pool,
  photos: refs.length,
  missed,
  msMedian: Math.round(times[times.length >> 1]!),
  msMean: Math.round(mean(times)),
  msMax: Math.round(times[times.length - 1]!),
  nmeMean: round(mean(errs)),
  nmeMedian: round(errs[errs.length >> 1]!),
  nmeMax: round(errs[errs.length - 1]!),
  worstPoints: perPoint
    .map((s, i) => [i, round(s / errs.length)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
detector.dispose();

function dist(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}
function mean(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}
function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
