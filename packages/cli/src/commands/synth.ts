import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeFlo, magnitudeHeatmap } from '@unwarp/flow';
import {
  createRng,
  FAMILIES,
  type Family,
  listLandmarkedPhotos,
  loadFacePhoto,
  makePair,
  type PhotoRef,
} from '@unwarp/liquify';
import sharp from 'sharp';
import { num, parse, UsageError } from '../args.ts';
import { createProgress } from '../progress.ts';

const HELP = `Usage: unwarp synth --in <folders...> --out <dir> --count N [--seed S] [options]

Writes training pairs made by the Liquify simulator. Per sample <out>/<00000123>/: original.jpg, modified.jpg
(same encoder and quality, so compression is never the tell), warp.flo (exact W on the modified grid) and meta.json
(edits, crop box, landmarks, augmentation). Source photos need a 68-point .pts file beside them.

Options:
  -i, --in <dir>        folder of photos with .pts landmarks (repeatable; e.g. ../shared/data/train/helen)
  -o, --out <dir>       output folder
  -n, --count <N>       number of samples (streams to disk; any N)
      --seed <S>        seed (default 1): the same seed gives the same samples
      --families <list> comma-separated warp families (default all: ${FAMILIES.join(',')})
      --negatives <p>   share of unedited pairs (default 0.3)
      --size <px>       face crop shorter side (default 400)
      --patch <px>      write square patches of this size instead of whole crops (default 0 = whole crop)
      --no-augment      no colour, blur, noise or rescale augmentation; both halves saved at JPEG quality 95
      --preview         also write <out>/preview.png: a contact sheet of original / modified / heatmap`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(
    argv,
    {
      in: { type: 'string', short: 'i', multiple: true },
      out: { type: 'string', short: 'o' },
      count: { type: 'string', short: 'n' },
      seed: { type: 'string' },
      families: { type: 'string' },
      negatives: { type: 'string' },
      size: { type: 'string' },
      patch: { type: 'string' },
      'no-augment': { type: 'boolean' },
      preview: { type: 'boolean' },
    },
    HELP,
  );
  if (!args) return 0;
  const v = args.values;
  const inputs = [...(v.in ?? []), ...args.positionals];
  if (inputs.length === 0) throw new UsageError('--in <folder> is required', HELP);
  if (!v.out) throw new UsageError('--out <dir> is required', HELP);
  const count = num(v.count, 'count', v.preview ? 12 : Number.NaN, (n) => Number.isInteger(n) && n > 0);
  if (!Number.isFinite(count)) throw new UsageError('--count N is required', HELP);
  const seed = num(v.seed, 'seed', 1, Number.isInteger);
  const families = (v.families?.split(',').map((f) => f.trim()) ?? [...FAMILIES]) as Family[];
  for (const f of families)
    if (!FAMILIES.includes(f)) throw new UsageError(`unknown family ${f}; known: ${FAMILIES.join(', ')}`);
  const negatives = num(v.negatives, 'negatives', 0.3, (n) => n >= 0 && n <= 1);
  const size = num(v.size, 'size', 400, (n) => n >= 64 && n <= 2048);
  const patch = num(v.patch, 'patch', 0, (n) => Number.isInteger(n) && n >= 0);

  const refs: PhotoRef[] = await listLandmarkedPhotos(inputs);
  if (refs.length === 0) throw new Error(`no photos with a .pts landmark file in ${inputs.join(', ')}`);
  await mkdir(v.out, { recursive: true });
  const rng = createRng(seed);
  const progress = createProgress(count, 'synth ');
  const previews: Buffer[] = [];
  const digits = Math.max(6, String(count - 1).length);
  for (let i = 0; i < count; i++) {
    // One seed per sample: sample i is reproducible on its own.
    const sampleRng = createRng((seed * 2_654_435_761 + i) >>> 0);
    const ref = refs[Math.floor(rng.next() * refs.length)]!;
    const pair = await makePair(await loadFacePhoto(ref), sampleRng, {
      patch,
      cropShortSide: size,
      families,
      positiveRate: 1 - negatives,
      augment: v['no-augment'] !== true,
      keepOriginal: true,
    });
    const dir = path.join(v.out, String(i).padStart(digits, '0'));
    await mkdir(dir, { recursive: true });
    const quality = pair.meta.jpegQuality ?? 95;
    const jpeg = (img: { width: number; height: number; data: Uint8Array }) =>
      sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
        .jpeg({ quality, chromaSubsampling: '4:4:4' })
        .toBuffer();
    await Promise.all([
      jpeg(pair.original!).then((b) => writeFile(path.join(dir, 'original.jpg'), b)),
      jpeg(pair.modified).then((b) => writeFile(path.join(dir, 'modified.jpg'), b)),
      writeFile(path.join(dir, 'warp.flo'), encodeFlo(pair.flow)),
      writeFile(
        path.join(dir, 'meta.json'),
        `${JSON.stringify({ sample: i, seed, label: pair.label, ...pair.meta }, null, 1)}\n`,
      ),
    ]);
    if (v.preview && previews.length < 3 * 12) {
      const heat = magnitudeHeatmap(pair.modified, pair.flow);
      for (const img of [pair.original!, pair.modified, { ...heat, data: new Uint8Array(heat.data.buffer) }])
        previews.push(
          await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
            .resize(240, 280, { fit: 'contain', background: '#fff' })
            .png()
            .toBuffer(),
        );
    }
    progress.update(i + 1);
  }
  progress.done();
  if (v.preview) {
    const rows = previews.length / 3;
    await sharp({ create: { width: 3 * 244, height: rows * 284, channels: 3, background: '#ffffff' } })
      .composite(previews.map((p, k) => ({ input: p, left: (k % 3) * 244, top: Math.floor(k / 3) * 284 })))
      .png()
      .toFile(path.join(v.out, 'preview.png'));
    process.stderr.write(
      `contact sheet: ${path.join(v.out, 'preview.png')} (columns: original, modified, |W| heatmap)\n`,
    );
  }
  process.stderr.write(`wrote ${count} samples to ${v.out}\n`);
  return 0;
}
