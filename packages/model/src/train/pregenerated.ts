import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { cropFlow, cropImage, decodeFlo, type FlowField, flowMagnitude } from '@unwarp/flow';
import type { Rng } from '@unwarp/liquify';
import sharp from 'sharp';

/**
 * One sample written by `unwarp synth`: <dir>/<n>/{modified.jpg, original.jpg, warp.flo, meta.json}; or a pair saved
 * losslessly (modified.png, original.png), as `foreign-edits.ts --png` writes them.
 */
export type PregeneratedRef = { dir: string; ext: 'jpg' | 'png' };

export type PregeneratedPatch = {
  modified: Uint8Array;
  original: Uint8Array;
  flow: FlowField;
  label: 0 | 1;
};

/** Sample folders under the given `unwarp synth` outputs (a folder counts when it holds meta.json and warp.flo). */
export async function listPregenerated(dirs: readonly string[]): Promise<PregeneratedRef[]> {
  const refs: PregeneratedRef[] = [];
  for (const dir of dirs) {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory()) continue;
      const names = new Set(await readdir(path.join(dir, e.name)));
      if (!names.has('meta.json') || !names.has('warp.flo')) continue;
      const ext = (['jpg', 'png'] as const).find((x) => names.has(`modified.${x}`) && names.has(`original.${x}`));
      if (ext) refs.push({ dir: path.join(dir, e.name), ext });
    }
  }
  return refs;
}

const LABEL_MIN_PX = 0.75;

/**
 * A size x size patch of a stored sample, aimed (85% of the time) at its largest displacement so edited regions are
 * seen as often as with on-the-fly synthesis. The stored JPEGs already carry the sample's own augmentation.
 */
export async function loadPregeneratedPatch(ref: PregeneratedRef, rng: Rng, size: number): Promise<PregeneratedPatch> {
  const [flo, mod, orig] = await Promise.all([
    readFile(path.join(ref.dir, 'warp.flo')),
    sharp(path.join(ref.dir, `modified.${ref.ext}`))
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true }),
    sharp(path.join(ref.dir, `original.${ref.ext}`))
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true }),
  ]);
  const flow = decodeFlo(new Uint8Array(flo.buffer, flo.byteOffset, flo.byteLength));
  const { width, height } = mod.info;
  if (flow.width !== width || flow.height !== height)
    throw new Error(`${ref.dir}: warp.flo and modified.${ref.ext} differ in size`);
  if (width < size || height < size)
    throw new Error(`${ref.dir}: ${width}x${height} is smaller than the ${size} px patch`);
  const mag = flowMagnitude(flow);
  let peak = 0;
  for (let i = 1; i < mag.length; i++) if (mag[i]! > mag[peak]!) peak = i;
  const aimed = mag[peak]! >= LABEL_MIN_PX && rng.chance(0.85);
  const cx = aimed ? (peak % width) + rng.uniform(-0.3, 0.3) * size : rng.uniform(size / 2, width - size / 2);
  const cy = aimed
    ? Math.floor(peak / width) + rng.uniform(-0.3, 0.3) * size
    : rng.uniform(size / 2, height - size / 2);
  const x = Math.max(0, Math.min(width - size, Math.round(cx - size / 2)));
  const y = Math.max(0, Math.min(height - size, Math.round(cy - size / 2)));
  const rect = { x, y, width: size, height: size };
  const crop = (buf: Buffer) =>
    cropImage({ width, height, channels: 3, data: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) }, rect)
      .data;
  const patchFlow = cropFlow(flow, rect);
  let max = 0;
  for (const m of flowMagnitude(patchFlow)) max = Math.max(max, m);
  return { modified: crop(mod.data), original: crop(orig.data), flow: patchFlow, label: max >= LABEL_MIN_PX ? 1 : 0 };
}
