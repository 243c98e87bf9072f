// Edits made by other software, for evaluation only: ImageMagick's swirl, implode/explode and Shepard's-distortion
// pushes (its own warp formulas and its own resampling filters) on face crops of held-out photos, half left
// untouched. W is MEASURED between each edit and its original with @unwarp/flow estimateFlow (about 8% of the warp's
// size off on real photos), so EPE against it is an estimate; labels and scores are exact. Output is the
// `unwarp synth` layout, read by `unwarp eval --pairs`.
//   apt-get install imagemagick
//   node --import tsx packages/liquify/scripts/foreign-edits.ts --in ../shared/data/val/helen --out /tmp/foreign --count 60
// Both halves are saved as JPEG q90, or with --png losslessly (original.png, modified.png), as an export that keeps the
// edit's resampling trace: the case where the model shows its field. `--whole` edits the whole photo at its own
// resolution instead of a resized crop and saves both halves as JPEG at `--quality` (default 90) on the photo's own
// grid, as an editor exports it, so the photo's earlier JPEG save stays readable around the face (landmarks in the
// photo's pixels); `packages/pipeline/scripts/pairs-through-pipeline.ts` scores such a set as users meet it.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { cropBoxFor } from '@unwarp/faces/crop';
import { createFlow, encodeFlo, estimateFlow, flowMagnitude } from '@unwarp/flow';
import sharp from 'sharp';
import { landmarkBox, toRaw } from '../src/pairs.ts';
import { listLandmarkedPhotos, loadFacePhoto } from '../src/photo-pool.ts';
import { createRng, type Rng } from '../src/random.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    in: { type: 'string', multiple: true },
    out: { type: 'string' },
    count: { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    size: { type: 'string', default: '400' },
    png: { type: 'boolean', default: false },
    whole: { type: 'boolean', default: false },
    quality: { type: 'string', default: '90' },
  },
});
if (!values.in || !values.out) throw new Error('usage: foreign-edits.ts --in <photos> --out <dir> [--count N]');
const convert = await findConvert();
const SIZE = Number(values.size);
const refs = await listLandmarkedPhotos(values.in);
const rng = createRng(Number(values.seed));
const work = await mkdtemp(path.join(tmpdir(), 'unwarp-foreign-'));
const counts: Record<string, number> = {};
try {
  for (let i = 0; i < Number(values.count); i++) {
    const photo = await loadFacePhoto(refs[Math.floor(rng.next() * refs.length)]!);
    const { width: pw, height: ph } = photo.image;
    // --whole: the photo as it is (k = 1, no resampling before the edit).
    const crop = values.whole
      ? { x: 0, y: 0, width: pw, height: ph }
      : cropBoxFor(landmarkBox(photo.landmarks), pw, ph);
    const k = values.whole ? 1 : SIZE / Math.min(crop.width, crop.height);
    const w = Math.round(crop.width * k);
    const h = Math.round(crop.height * k);
    const original = values.whole
      ? photo.image
      : await toRaw(
          sharp(photo.image.data, { raw: { width: pw, height: ph, channels: 3 } })
            .extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height })
            .resize(w, h, { kernel: 'lanczos3', fit: 'fill' }),
        );
    const lm = photo.landmarks.map(([x, y]) => [(x - crop.x) * (w / crop.width), (y - crop.y) * (h / crop.height)]);
    const src = path.join(work, 'src.png');
    const dst = path.join(work, 'dst.png');
    await sharp(original.data, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(src);
    const edit = rng.chance(0.5) ? pickEdit(rng, lm as [number, number][], w, h) : null;
    if (edit) await run(convert, [src, ...edit.args, dst]);
    const modifiedPng = edit ? dst : src;
    // Both halves through the same encoder, so compression is never the tell.
    const sample = path.join(values.out, String(i).padStart(6, '0'));
    await mkdir(sample, { recursive: true });
    const ext = values.png ? 'png' : 'jpg';
    const save = (from: string, name: string) =>
      (values.png ? sharp(from).png() : sharp(from).jpeg({ quality: Number(values.quality) })).toFile(
        path.join(sample, `${name}.${ext}`),
      );
    await save(src, 'original');
    await save(modifiedPng, 'modified');
    const flow = edit
      ? estimateFlow(
          await toRaw(sharp(path.join(sample, `modified.${ext}`))),
          await toRaw(sharp(path.join(sample, `original.${ext}`))),
        ).flow
      : createFlow(w, h);
    let peak = 0;
    for (const m of flowMagnitude(flow)) peak = Math.max(peak, m);
    const label = edit && peak >= 0.75 ? 1 : 0;
    await writeFile(path.join(sample, 'warp.flo'), encodeFlo(flow));
    await writeFile(
      path.join(sample, 'meta.json'),
      JSON.stringify(
        {
          sample: i,
          label,
          photo: photo.id,
          software: edit ? `ImageMagick 6 ${edit.args.join(' ')}` : null,
          warpMeasured: edit !== null,
          peakPx: Math.round(peak * 100) / 100,
          landmarks: lm,
          region: { x: 0, y: 0, size: w },
        },
        null,
        1,
      ),
    );
    const kind = edit ? edit.kind : 'untouched';
    counts[kind] = (counts[kind] ?? 0) + 1;
    process.stderr.write(`\r${i + 1}/${values.count} ${kind} peak ${peak.toFixed(1)} px     `);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
process.stderr.write(`\nwrote ${values.count} pairs to ${values.out}: ${JSON.stringify(counts)}\n`);

type ForeignEdit = { kind: 'swirl' | 'implode' | 'explode' | 'shepards'; args: string[] };

/** One edit at a random feature: eyes, nose, mouth, a cheek or the jaw (iBUG 68-point indices). */
function pickEdit(rng: Rng, lm: [number, number][], w: number, h: number): ForeignEdit {
  const features: Record<string, number[]> = {
    leftEye: [36, 37, 38, 39, 40, 41],
    rightEye: [42, 43, 44, 45, 46, 47],
    nose: [27, 28, 29, 30, 31, 32, 33, 34, 35],
    mouth: [48, 51, 54, 57],
    leftJaw: [3, 4, 5],
    rightJaw: [11, 12, 13],
  };
  const names = Object.keys(features);
  const ids = features[names[Math.floor(rng.next() * names.length)]!]!;
  const cx = ids.reduce((s, i) => s + lm[i]![0], 0) / ids.length;
  const cy = ids.reduce((s, i) => s + lm[i]![1], 0) / ids.length;
  const faceWidth = Math.hypot(lm[16]![0] - lm[0]![0], lm[16]![1] - lm[0]![1]);
  const r = Math.round(faceWidth * rng.uniform(0.12, 0.25));
  const region = `${2 * r}x${2 * r}+${Math.round(cx - r)}+${Math.round(cy - r)}`;
  const u = rng.next();
  if (u < 0.3) {
    const deg = Math.round(rng.uniform(15, 45) * (rng.chance(0.5) ? 1 : -1));
    return { kind: 'swirl', args: ['-region', region, '-swirl', String(deg)] };
  }
  if (u < 0.6) {
    const amount = rng.uniform(0.15, 0.4).toFixed(2);
    // Positive implodes (pucker), negative explodes (bloat).
    return rng.chance(0.5)
      ? { kind: 'implode', args: ['-region', region, '-implode', amount] }
      : { kind: 'explode', args: ['-region', region, '-implode', `-${amount}`] };
  }
  // A smooth push of the feature's points, everything else pinned: Shepard's interpolation between control points.
  const angle = rng.uniform(0, 2 * Math.PI);
  const len = rng.uniform(2, 6);
  const [dx, dy] = [Math.cos(angle) * len, Math.sin(angle) * len];
  const pts: string[] = [];
  for (const i of ids) pts.push(`${lm[i]![0]},${lm[i]![1]} ${lm[i]![0] + dx},${lm[i]![1] + dy}`);
  for (let i = 0; i < 68; i += 4) if (!ids.includes(i)) pts.push(`${lm[i]![0]},${lm[i]![1]} ${lm[i]![0]},${lm[i]![1]}`);
  for (const [x, y] of [
    [0, 0],
    [w - 1, 0],
    [0, h - 1],
    [w - 1, h - 1],
  ])
    pts.push(`${x},${y} ${x},${y}`);
  return { kind: 'shepards', args: ['-virtual-pixel', 'edge', '-distort', 'Shepards', pts.join(' ')] };
}

/** ImageMagick's convert (or magick), checked to be the real program. */
async function findConvert(): Promise<string> {
  for (const bin of ['magick', '/usr/bin/convert', 'convert']) {
    try {
      const { stdout } = await run(bin, ['-version']);
      if (stdout.includes('ImageMagick')) return bin;
    } catch {}
  }
  throw new Error('ImageMagick is not installed: apt-get install imagemagick');
}
