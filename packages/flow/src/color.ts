import { assertFlow, assertImage, assertSameGrid } from './_internal/check.ts';
import { percentile } from './_internal/select.ts';
import type { FlowField, Image } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Middlebury colour wheel (Baker et al., "A Database and Evaluation Methodology for Optical Flow",
// colorcode.cpp / computeColor.m). Segments RY=15, YG=6, GC=4, CB=11, BM=13, MR=6 (55 colours).
// Angle a = atan2(-v, -u) / π, so with image y pointing down: right = red, down = orange/yellow,
// left = cyan-blue, up = blue-violet. Saturation grows with |flow| / max; beyond max the colour is
// darkened to 75 % (the reference's "out of range" marker).
// ---------------------------------------------------------------------------------------------

function makeColorWheel(): Uint8Array {
  const segments: [number, (i: number, n: number) => [number, number, number]][] = [
    [15, (i, n) => [255, Math.floor((255 * i) / n), 0]],
    [6, (i, n) => [255 - Math.floor((255 * i) / n), 255, 0]],
    [4, (i, n) => [0, 255, Math.floor((255 * i) / n)]],
    [11, (i, n) => [0, 255 - Math.floor((255 * i) / n), 255]],
    [13, (i, n) => [Math.floor((255 * i) / n), 0, 255]],
    [6, (i, n) => [255, 0, 255 - Math.floor((255 * i) / n)]],
  ];
  const rows: number[] = [];
  for (const [n, colour] of segments) for (let i = 0; i < n; i++) rows.push(...colour(i, n));
  return Uint8Array.from(rows);
}

const WHEEL = makeColorWheel();
const NCOLS = WHEEL.length / 3;

/** Writes the wheel colour of the (already normalised) vector (u, v) as RGB at out[off..off+2]. */
function wheelColor(u: number, v: number, out: Uint8ClampedArray, off: number): void {
  if (!(Number.isFinite(u) && Number.isFinite(v))) {
    // The reference paints unknown flow black.
    out[off] = 0;
    out[off + 1] = 0;
    out[off + 2] = 0;
    return;
  }
  const rad = Math.sqrt(u * u + v * v);
  const a = Math.atan2(-v, -u) / Math.PI;
  const fk = ((a + 1) / 2) * (NCOLS - 1);
  const k0 = Math.floor(fk);
  const k1 = k0 + 1 >= NCOLS ? 0 : k0 + 1;
  const t = fk - k0;
  for (let ch = 0; ch < 3; ch++) {
    // Worked in 0..255 rather than the reference's 0..1 so full-magnitude colours are the table values exactly.
    let col = (1 - t) * (WHEEL[3 * k0 + ch] as number) + t * (WHEEL[3 * k1 + ch] as number);
    col = rad <= 1 ? 255 - rad * (255 - col) : col * 0.75;
    out[off + ch] = Math.floor(col);
  }
}

/**
 * Middlebury colour coding of a flow field as an RGB image: hue = direction, saturation = |W| / max.
 * max defaults to the 99th percentile of |W| (at least 1 px) so a few outliers do not wash out the picture.
 * Zero flow is white; non-finite vectors are black.
 */
export function flowToColor(W: FlowField, opts: { maxMagnitude?: number } = {}): Image<Uint8ClampedArray> {
  assertFlow(W, 'flowToColor');
  let max = opts.maxMagnitude;
  if (max === undefined) {
    max = Math.max(1, percentile(magnitudes(W), 0.99));
  } else if (!(max > 0 && Number.isFinite(max))) {
    throw new RangeError(`flowToColor: maxMagnitude must be a positive finite number, got ${max}`);
  }
  const n = W.width * W.height;
  const f = W.data;
  const data = new Uint8ClampedArray(3 * n);
  const inv = 1 / max;
  for (let i = 0; i < n; i++) wheelColor((f[2 * i] as number) * inv, (f[2 * i + 1] as number) * inv, data, 3 * i);
  return { width: W.width, height: W.height, channels: 3, data };
}

/** A size x size RGB picture of the wheel: the disc spans full magnitude at its rim, white outside. */
export function colorWheelLegend(size: number): Image<Uint8ClampedArray> {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`colorWheelLegend: size must be a positive integer, got ${size}`);
  const data = new Uint8ClampedArray(3 * size * size).fill(255);
  const c = (size - 1) / 2;
  const r = Math.max(size / 2, 0.5);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x - c) / r;
      const v = (y - c) / r;
      if (u * u + v * v <= 1) wheelColor(u, v, data, 3 * (y * size + x));
    }
  }
  return { width: size, height: size, channels: 3, data };
}

function magnitudes(W: FlowField): Float32Array {
  const n = W.width * W.height;
  const f = W.data;
  const m = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = f[2 * i] as number;
    const v = f[2 * i + 1] as number;
    const r = Math.sqrt(u * u + v * v);
    // NaN vectors are drawn black; keep them out of the percentile.
    m[i] = Number.isNaN(r) ? 0 : r;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Scalar colormaps as 256-entry RGB tables.
// ---------------------------------------------------------------------------------------------

export type Colormap = 'turbo' | 'jet';

function buildLut(fn: (t: number) => [number, number, number]): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const rgb = fn(i / 255);
    for (let ch = 0; ch < 3; ch++) {
      const v = rgb[ch] as number;
      lut[3 * i + ch] = Math.round(255 * (v < 0 ? 0 : v > 1 ? 1 : v));
    }
  }
  return lut;
}

// Turbo (Mikhailov 2019), polynomial approximation by Ruofei Du (Apache-2.0).
const TURBO = buildLut((t) => {
  const t2 = t * t;
  const t3 = t2 * t;
  const t4 = t2 * t2;
  const t5 = t4 * t;
  return [
    0.13572138 + 4.6153926 * t - 42.66032258 * t2 + 132.13108234 * t3 - 152.94239396 * t4 + 59.28637943 * t5,
    0.09140261 + 2.19418839 * t + 4.84296658 * t2 - 14.18503333 * t3 + 4.27729857 * t4 + 2.82956604 * t5,
    0.1066733 + 12.64194608 * t - 60.58204836 * t2 + 110.36276771 * t3 - 89.90310912 * t4 + 27.34824973 * t5,
  ];
});

// MATLAB jet: piecewise-linear blue → cyan → yellow → red, dark blue and dark red at the ends.
const JET = buildLut((t) => [1.5 - Math.abs(4 * t - 3), 1.5 - Math.abs(4 * t - 2), 1.5 - Math.abs(4 * t - 1)]);

function lutFor(colormap: Colormap | undefined, what: string): Uint8Array {
  if (colormap === undefined || colormap === 'turbo') return TURBO;
  if (colormap === 'jet') return JET;
  throw new RangeError(`${what}: unknown colormap ${String(colormap)}`);
}

/** RGB of the colormap at t in 0..1 (the 256-entry table the heatmap uses). */
export function colormapColor(t: number, colormap: Colormap = 'turbo'): [number, number, number] {
  const lut = lutFor(colormap, 'colormapColor');
  const k = 3 * Math.round(255 * (t > 0 ? (t < 1 ? t : 1) : 0));
  return [lut[k] as number, lut[k + 1] as number, lut[k + 2] as number];
}

export type HeatmapOptions = { min?: number; max?: number; colormap?: Colormap; gamma?: number; opacity?: number };

/**
 * Overlays |W| on the photo (same size as W; 1, 3 or 4 channels, alpha ignored, Float32 taken as 0..255).
 * t = (|W| - min) / (max - min) clamped to 0..1 picks the colormap colour, blended with alpha = t^gamma * opacity.
 * Pixels with |W| <= min show the photo unchanged (greyscale photos become RGB).
 */
export function magnitudeHeatmap(photo: Image, W: FlowField, opts: HeatmapOptions = {}): Image<Uint8ClampedArray> {
  assertImage(photo, 'magnitudeHeatmap');
  assertFlow(W, 'magnitudeHeatmap');
  assertSameGrid(photo, W, 'magnitudeHeatmap');
  const pc = photo.channels;
  if (pc !== 1 && pc !== 3 && pc !== 4)
    throw new RangeError(`magnitudeHeatmap: photo must have 1, 3 or 4 channels, got ${pc}`);
  const min = opts.min ?? 0.5;
  const max = opts.max ?? 7;
  const gamma = opts.gamma ?? 0.7;
  const opacity = Math.min(1, Math.max(0, opts.opacity ?? 1));
  if (!(max > min)) throw new RangeError(`magnitudeHeatmap: max (${max}) must exceed min (${min})`);
  const lut = lutFor(opts.colormap, 'magnitudeHeatmap');
  const n = W.width * W.height;
  const f = W.data;
  const p = photo.data;
  const out = new Uint8ClampedArray(3 * n);
  const scale = 1 / (max - min);
  const grey = pc === 1;
  for (let i = 0; i < n; i++) {
    const s = i * pc;
    const r = p[s] as number;
    const g = grey ? r : (p[s + 1] as number);
    const b = grey ? r : (p[s + 2] as number);
    const u = f[2 * i] as number;
    const v = f[2 * i + 1] as number;
    const m = Math.sqrt(u * u + v * v);
    const o = 3 * i;
    if (!(m > min)) {
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      continue;
    }
    const tRaw = (m - min) * scale;
    const t = tRaw < 1 ? tRaw : 1;
    const alpha = t ** gamma * opacity;
    const k = 3 * Math.round(255 * t);
    out[o] = r + ((lut[k] as number) - r) * alpha;
    out[o + 1] = g + ((lut[k + 1] as number) - g) * alpha;
    out[o + 2] = b + ((lut[k + 2] as number) - b) * alpha;
  }
  return { width: W.width, height: W.height, channels: 3, data: out };
}

/** Horizontal ramp of the colormap (left = 0, right = 1), for legends. */
export function colormapLegend(
  width: number,
  height: number,
  opts: { colormap?: Colormap } = {},
): Image<Uint8ClampedArray> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`colormapLegend: width and height must be positive integers, got ${width}x${height}`);
  }
  const lut = lutFor(opts.colormap, 'colormapLegend');
  const data = new Uint8ClampedArray(3 * width * height);
  for (let x = 0; x < width; x++) {
    const k = 3 * Math.round((255 * x) / Math.max(1, width - 1));
    for (let ch = 0; ch < 3; ch++) data[3 * x + ch] = lut[k + ch] as number;
  }
  for (let y = 1; y < height; y++) data.copyWithin(3 * width * y, 0, 3 * width);
  return { width, height, channels: 3, data };
}
