import { cropBoxFor } from '@unwarp/faces/crop';
import {
  applyWarp,
  createFlow,
  cropImage,
  type FlowField,
  flowMagnitude,
  type Image,
  type Interpolation,
  resizeFlow,
} from '@unwarp/flow';
import sharp, { type Sharp } from 'sharp';
import { type Edit, editCenters, type Family, sampleEdits, warpFromEdits } from './edits.ts';
import type { Rng } from './random.ts';
import { type Point, rasterize } from './warp.ts';

/** A photo with its 68 landmarks in image pixels: the raw material of a training pair. */
export type FacePhoto = { id: string; image: Image<Uint8Array>; landmarks: Point[] };

export type PairOptions = {
  /** Side of the square patch at model scale; 0 = the whole face crop. */
  patch: number;
  /** The crop is resized so its shorter side is this many pixels (the pipeline's model input). */
  cropShortSide: number;
  families?: readonly Family[];
  strength?: number;
  /** Probability that a pair is edited at all. */
  positiveRate: number;
  augment: boolean;
  /**
   * 0…1: how hard the post-processing is (rescale, blur, noise, low JPEG quality). 1 is the full mix; a curriculum
   * can start lower so the first samples show the warp's own traces. Default 1.
   */
  augmentLevel?: number;
  /** Also return the processed original (reconstruction losses, `unwarp synth`). */
  keepOriginal: boolean;
  /**
   * Where the re-save's JPEG blocks fall. `photo` (when the crop keeps the photo's pixels and is not rescaled) lines
   * them up with the photo's own grid, as an editor re-saving the whole photo does: outside the edit the new blocks
   * then sit on the old ones. `patch` (default, the historic simulator) starts them at the patch's corner.
   */
  jpegGrid?: 'photo' | 'patch';
  /**
   * With probability `share`, first shrink the whole photo so the face (landmark extent) is `widths[0]`…`widths[1]`
   * px wide, and save it as a JPEG (q88–95) on its own grid, as a site that downsizes uploads does: the face is then
   * edited at that size. Faces already narrower are left alone. Teaches small faces to a model whose photos hold
   * only large ones.
   */
  shrinkFace?: { share: number; widths: [number, number] };
  /**
   * With probability `share` (of the photos `shrinkFace` left alone), first resize the whole photo by a factor in
   * `factors` with a random kernel and keep it lossless: a photo resized in an editor before its warp. The resize
   * resamples every pixel; unedited, none of them moved (W = 0), so the resize's trace must not read as an edit
   * (resize-study.ts: the network read 0.9–2.1 px of motion on untouched crops resized this way). Never smaller than
   * the patch.
   */
  resampleFirst?: { share: number; factors: [number, number] };
};

export const DEFAULT_PAIR_OPTIONS: PairOptions = {
  patch: 128,
  cropShortSide: 400,
  positiveRate: 0.5,
  augment: true,
  keepOriginal: false,
};

export type Pair = {
  modified: Image<Uint8Array>;
  original?: Image<Uint8Array>;
  /** Exact W on the modified grid at output scale (zero for unedited pairs). */
  flow: FlowField;
  /** 1 when some pixel moved ≥ 0.75 px. */
  label: 0 | 1;
  meta: {
    photo: string;
    edits: Edit[];
    cropBox: { x: number; y: number; width: number; height: number };
    region: { x: number; y: number; size: number };
    rescale: number;
    interpolation: Interpolation;
    jpegQuality: number | null;
    /** Whether a re-save's blocks lined up with the photo's own grid (`photo`) or started at the patch (`patch`). */
    jpegGrid: 'photo' | 'patch';
    augment: Record<string, number | string | boolean>;
    landmarks: Point[];
  };
};

const LABEL_MIN_PX = 0.75;

export function landmarkBox(lm: readonly Point[]) {
  const xs = lm.map((p) => p[0]);
  const ys = lm.map((p) => p[1]);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/**
 * One training pair: crop the face by the research tool's policy, warp (or not), then post-process both halves
 * identically (colour, blur/sharpen, noise, rescale, JPEG) so only the geometry differs.
 */
export async function makePair(source: FacePhoto, rng: Rng, opts: PairOptions = DEFAULT_PAIR_OPTIONS): Promise<Pair> {
  // Drawn only when asked, so recipes without it keep their exact pairs.
  const shrunk = opts.shrinkFace && rng.chance(opts.shrinkFace.share) ? await shrinkFace(source, rng, opts) : source;
  // Drawn only when asked, as above.
  const photo =
    opts.resampleFirst && shrunk === source && rng.chance(opts.resampleFirst.share)
      ? await resampleFirst(source, rng, opts)
      : shrunk;
  const { image } = photo;
  const box = landmarkBox(photo.landmarks);
  // Jitter the box like a detector would.
  const jx = rng.normal() * 0.04 * box.width;
  const jy = rng.normal() * 0.04 * box.height;
  const js = 1 + rng.normal() * 0.05;
  const jittered = {
    x: box.x + jx - ((js - 1) * box.width) / 2,
    y: box.y + jy - ((js - 1) * box.height) / 2,
    width: box.width * js,
    height: box.height * js,
  };
  const crop = atLeast(cropBoxFor(jittered, image.width, image.height), opts.patch, image.width, image.height);
  // cropShortSide 0 keeps the photo's own pixel grid (and with it the traces of its JPEG history).
  const scale = opts.cropShortSide > 0 ? opts.cropShortSide / Math.min(crop.width, crop.height) : 1;
  const cw = Math.max(1, Math.round(crop.width * scale));
  const ch = Math.max(1, Math.round(crop.height * scale));
  let cropping = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).extract({
    left: crop.x,
    top: crop.y,
    width: crop.width,
    height: crop.height,
  });
  if (cw !== crop.width || ch !== crop.height) cropping = cropping.resize(cw, ch, { kernel: 'lanczos3', fit: 'fill' });
  const cropped = await toRaw(cropping);
  const sx = cw / crop.width;
  const sy = ch / crop.height;
  const lm: Point[] = photo.landmarks.map(([x, y]) => [(x - crop.x) * sx, (y - crop.y) * sy]);

  const positive = rng.chance(opts.positiveRate);
  const edits = positive ? sampleEdits(rng, lm, { families: opts.families, strength: opts.strength }) : [];
  const warp = warpFromEdits(edits, lm);

  const level = Math.max(0, Math.min(1, opts.augmentLevel ?? 1));
  const rescale = opts.augment && rng.chance(0.6 * level) ? rng.uniform(1 - 0.5 * level, 1 + 0.5 * level) : 1;
  let rx = 0;
  let ry = 0;
  let rw = cw;
  let rh = ch;
  if (opts.patch > 0) {
    const size = Math.min(Math.ceil(opts.patch / rescale), cw, ch);
    // Aim at an edit (or, for unedited pairs, at a landmark) so both classes see the same parts of the face.
    const centers = positive && rng.chance(0.85) ? editCenters(edits, lm) : [];
    const c = centers.length > 0 ? rng.pick(centers) : rng.pick(lm);
    const jitter = size * 0.3;
    rx = clampInt(c[0] + rng.uniform(-jitter, jitter) - size / 2, 0, cw - size);
    ry = clampInt(c[1] + rng.uniform(-jitter, jitter) - size / 2, 0, ch - size);
    rw = size;
    rh = size;
  }
  const interpolation: Interpolation = rng.chance(0.5) ? 'bilinear' : 'bicubic';
  const regionFlow = positive ? rasterize(warp, rw, rh, [rx, ry]) : createFlow(rw, rh);
  const modifiedRegion = applyWarp(cropped, regionFlow, { interpolation, origin: { x: rx, y: ry } });
  const originalRegion =
    opts.keepOriginal || !positive ? cropImage(cropped, { x: rx, y: ry, width: rw, height: rh }) : undefined;

  const outW = opts.patch > 0 ? opts.patch : Math.max(1, Math.round(rw * rescale));
  const outH = opts.patch > 0 ? opts.patch : Math.max(1, Math.round(rh * rescale));
  const post = samplePostprocess(rng, opts.augment, level, outW * outH * 3);
  // The patch's corner in the photo, when its pixels are still the photo's own (no resize anywhere).
  if (opts.jpegGrid === 'photo' && scale === 1 && outW === rw && outH === rh)
    post.gridOrigin = { x: crop.x + rx, y: crop.y + ry };
  const modified = positive ? await postprocess(modifiedRegion, post, outW, outH) : undefined;
  const original = originalRegion ? await postprocess(originalRegion, post, outW, outH) : undefined;
  const flow = positive ? resizeFlow(regionFlow, outW, outH) : createFlow(outW, outH);
  const label = positive && maxOf(flowMagnitude(flow)) >= LABEL_MIN_PX ? 1 : 0;
  return {
    modified: modified ?? original!,
    ...(opts.keepOriginal ? { original: original! } : {}),
    flow,
    label,
    meta: {
      photo: photo.id,
      edits,
      cropBox: crop,
      region: { x: rx, y: ry, size: rw },
      rescale,
      interpolation,
      jpegQuality: post.jpegQuality,
      jpegGrid: post.gridOrigin ? 'photo' : 'patch',
      augment: post.describe,
      landmarks: lm,
    },
  };
}

type Box = Pair['meta']['cropBox'];

/** The box grown (about its centre, inside the image) to at least `side` x `side`, so a patch fits without upscaling. */
function atLeast(box: Box, side: number, imageWidth: number, imageHeight: number): Box {
  const grow = (start: number, length: number, limit: number) => {
    const target = Math.min(Math.max(length, side), limit);
    const begin = clampInt(start - (target - length) / 2, 0, limit - target);
    return [begin, target] as const;
  };
  const [x, width] = grow(box.x, box.width, imageWidth);
  const [y, height] = grow(box.y, box.height, imageHeight);
  return { x, y, width, height };
}

async function resampleFirst(photo: FacePhoto, rng: Rng, opts: PairOptions): Promise<FacePhoto> {
  const { factors } = opts.resampleFirst!;
  const { image } = photo;
  const floor = Math.max(opts.patch, 1) / Math.min(image.width, image.height);
  const scale = Math.max(floor, rng.uniform(factors[0], factors[1]));
  return resizePhoto(photo, scale, rng.pick(RESIZE_KERNELS));
}

const RESIZE_KERNELS = ['lanczos3', 'cubic', 'mitchell', 'linear'] as const;

/** The whole photo resized by `scale`, its landmarks moved with it (pixel centres kept aligned). */
async function resizePhoto(
  photo: FacePhoto,
  scale: number,
  kernel: (typeof RESIZE_KERNELS)[number],
): Promise<FacePhoto> {
  const { image } = photo;
  const resized = await toRaw(
    sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).resize(
      Math.max(1, Math.round(image.width * scale)),
      Math.max(1, Math.round(image.height * scale)),
      { kernel, fit: 'fill' },
    ),
  );
  const sx = resized.width / image.width;
  const sy = resized.height / image.height;
  return {
    id: photo.id,
    image: resized,
    landmarks: photo.landmarks.map(([x, y]) => [(x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5]),
  };
}

async function shrinkFace(photo: FacePhoto, rng: Rng, opts: PairOptions): Promise<FacePhoto> {
  const { widths } = opts.shrinkFace!;
  const { image } = photo;
  const faceWidth = landmarkBox(photo.landmarks).width;
  // Never below a patch on either side: training patches are cut from the photo without upscaling.
  const floor = Math.max(opts.patch, 1) / Math.min(image.width, image.height);
  const scale = Math.min(1, Math.max(floor, rng.uniform(widths[0], widths[1]) / faceWidth));
  if (scale >= 1) return photo;
  const resized = await resizePhoto(photo, scale, rng.pick(RESIZE_KERNELS));
  return { ...resized, image: await jpegRoundTrip(resized.image, Math.round(rng.uniform(88, 95))) };
}

type Postprocess = {
  brightness: number;
  contrast: number;
  saturation: number;
  grey: boolean;
  blur: number;
  sharpen: number;
  noise: Float32Array | null;
  kernel: 'cubic' | 'lanczos3' | 'mitchell' | 'linear';
  jpegQuality: number | null;
  /** Photo coordinates of the image's top-left pixel, to put the JPEG grid where the photo's own lies. */
  gridOrigin?: { x: number; y: number };
  describe: Record<string, number | string | boolean>;
};

function samplePostprocess(rng: Rng, augment: boolean, level: number, n: number): Postprocess {
  if (!augment)
    return {
      brightness: 1,
      contrast: 1,
      saturation: 1,
      grey: false,
      blur: 0,
      sharpen: 0,
      noise: null,
      kernel: 'lanczos3',
      jpegQuality: null,
      describe: {},
    };
  const p: Postprocess = {
    ...sampleColourEdit(rng),
    grey: rng.chance(0.05),
    blur: rng.chance(0.1 * level) ? rng.uniform(0.4, 1) : 0,
    sharpen: rng.chance(0.1 * level) ? rng.uniform(0.5, 1.5) : 0,
    noise: null,
    kernel: rng.pick(['cubic', 'lanczos3', 'mitchell', 'linear'] as const),
    jpegQuality: rng.chance(0.9) ? rng.int(Math.round(100 - 40 * Math.max(level, 0.25)), 100) : null,
    describe: {},
  };
  if (rng.chance(0.2 * level)) {
    // One noise realisation shared by both halves of the pair.
    const sigma = rng.uniform(1, 4);
    p.noise = new Float32Array(n);
    for (let i = 0; i < n; i++) p.noise[i] = rng.normal() * sigma;
  }
  p.describe = {
    brightness: round3(p.brightness),
    contrast: round3(p.contrast),
    saturation: round3(p.saturation),
    grey: p.grey,
    blur: round3(p.blur),
    sharpen: round3(p.sharpen),
    noise: p.noise !== null,
    kernel: p.kernel,
  };
  return p;
}

/** A colour edit's settings: gains about mid-grey (contrast), overall (brightness), and of chroma (saturation). */
export type ColourEdit = { brightness: number; contrast: number; saturation: number; grey?: boolean };

/** The mix's colour edit: brightness and contrast ×0.85–1.15, saturation ×0.7–1.3 (drawn in that order). */
export function sampleColourEdit(rng: Rng): ColourEdit {
  return { brightness: rng.uniform(0.85, 1.15), contrast: rng.uniform(0.85, 1.15), saturation: rng.uniform(0.7, 1.3) };
}

/**
 * The simulator's colour edit, applied per pixel: saturation about the pixel's luma (which it keeps), then contrast
 * about mid-grey and brightness, rounded and clipped to 0..255. Luma scales by contrast × brightness, so a JPEG's
 * earlier quantisation lattice survives it scaled (what `doubleJpegMap` searches for).
 */
export function recolour(img: Image<Uint8Array>, c: ColourEdit): Image<Uint8Array> {
  const src = img.data;
  const px = new Uint8Array(src.length);
  const mean = 128;
  const sat = c.grey ? 0 : c.saturation;
  for (let i = 0; i < src.length; i += 3) {
    const l = 0.299 * src[i]! + 0.587 * src[i + 1]! + 0.114 * src[i + 2]!;
    for (let ch = 0; ch < 3; ch++) {
      const v = l + (src[i + ch]! - l) * sat;
      px[i + ch] = clamp255(((v - mean) * c.contrast + mean) * c.brightness);
    }
  }
  return { width: img.width, height: img.height, channels: 3, data: px };
}

async function postprocess(
  img: Image<Uint8Array>,
  p: Postprocess,
  outW: number,
  outH: number,
): Promise<Image<Uint8Array>> {
  const { width, height } = img;
  const px = recolour(img, p).data;
  let s = sharp(px, { raw: { width, height, channels: 3 } });
  if (p.blur > 0) s = s.blur(Math.max(0.3, p.blur));
  if (p.sharpen > 0) s = s.sharpen({ sigma: p.sharpen });
  if (width !== outW || height !== outH) s = s.resize(outW, outH, { kernel: p.kernel, fit: 'fill' });
  let out = await toRaw(s);
  if (p.noise) {
    const d = out.data;
    for (let i = 0; i < d.length; i++) d[i] = clamp255(d[i]! + p.noise[i]!);
  }
  if (p.jpegQuality !== null) out = await jpegRoundTrip(out, p.jpegQuality, p.gridOrigin);
  return out;
}

/**
 * Encode and decode as JPEG. With `gridOrigin` (the image's top-left pixel in a photo), the image is first padded so
 * its 16 px MCU grid (8 px blocks, 2x2 chroma) falls where the photo's own grid does, then the padding is cut away.
 */
export async function jpegRoundTrip(
  img: Image<Uint8Array>,
  quality: number,
  gridOrigin?: { x: number; y: number },
): Promise<Image<Uint8Array>> {
  const left = gridOrigin ? gridOrigin.x % 16 : 0;
  const top = gridOrigin ? gridOrigin.y % 16 : 0;
  let s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
  if (left > 0 || top > 0) s = s.extend({ left, top, extendWith: 'copy' });
  const jpeg = await s.jpeg({ quality, chromaSubsampling: quality >= 90 ? '4:4:4' : '4:2:0' }).toBuffer();
  let decoded = sharp(jpeg);
  if (left > 0 || top > 0) decoded = decoded.extract({ left, top, width: img.width, height: img.height });
  return toRaw(decoded);
}

export async function toRaw(s: Sharp): Promise<Image<Uint8Array>> {
  const { data, info } = await s.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected RGB, got ${info.channels} channels`);
  return {
    width: info.width,
    height: info.height,
    channels: 3,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

const clampInt = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(v)));
const clamp255 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
const round3 = (v: number) => Math.round(v * 1000) / 1000;
function maxOf(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}
