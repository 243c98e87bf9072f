import sharp from 'sharp';
import { dct8x8 } from './_internal/dct.ts';
import { isJpeg, type JpegSegment, jpegSegments } from './_internal/jpeg-segments.ts';
import type { DoubleCompressionHint, JpegQualityEstimate } from './types.ts';

/** Zigzag position -> natural (row-major) index. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
];

/** ITU T.81 Annex K tables (natural order), the ones libjpeg scales by quality. */
export const STD_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];
const STD_CHROMA = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...new Array<number>(32).fill(99),
];

/** libjpeg's jpeg_quality_scaling + jpeg_add_quant_table with force_baseline. */
export function ijgTable(std: readonly number[], quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  return std.map((s) => Math.min(255, Math.max(1, Math.floor((s * scale + 50) / 100))));
}

function parseDqt(segments: JpegSegment[]): number[][] {
  const tables: number[][] = [];
  for (const seg of segments) {
    if (seg.marker !== 0xdb) continue;
    const d = seg.data;
    let p = 0;
    while (p < d.length) {
      const pq = (d[p] as number) >> 4;
      const tq = (d[p] as number) & 15;
      const size = pq === 0 ? 64 : 128;
      if (p + 1 + size > d.length || tq > 3) break;
      const table = new Array<number>(64).fill(0);
      for (let i = 0; i < 64; i++) {
        const v =
          pq === 0 ? (d[p + 1 + i] as number) : ((d[p + 1 + 2 * i] as number) << 8) | (d[p + 2 + 2 * i] as number);
        table[ZIGZAG[i] as number] = v;
      }
      tables[tq] = table;
      p += 1 + size;
    }
  }
  // Table ids can skip (0 and 2); keep the array dense so it stays JSON-friendly.
  return tables.map((t) => t ?? []);
}

type Frame = { progressive: boolean; components: { id: number; h: number; v: number; tq: number }[] };

function parseSof(segments: JpegSegment[]): Frame | null {
  for (const seg of segments) {
    const m = seg.marker;
    if (m < 0xc0 || m > 0xcf || m === 0xc4 || m === 0xc8 || m === 0xcc) continue;
    const d = seg.data;
    const n = d[5] ?? 0;
    const components: Frame['components'] = [];
    for (let i = 0; i < n && 6 + 3 * i + 2 < d.length; i++) {
      const s = d[7 + 3 * i] as number;
      components.push({ id: d[6 + 3 * i] as number, h: s >> 4, v: s & 15, tq: d[8 + 3 * i] as number });
    }
    return { progressive: m === 0xc2 || m === 0xc6 || m === 0xca || m === 0xce, components };
  }
  return null;
}

function subsamplingOf(frame: Frame): string | undefined {
  const [y, cb, cr] = frame.components;
  if (!y) return undefined;
  if (!cb || !cr) return 'greyscale';
  if (cb.h !== cr.h || cb.v !== cr.v) return `custom ${frame.components.map((c) => `${c.h}x${c.v}`).join(',')}`;
  const hx = y.h / cb.h;
  const vx = y.v / cb.v;
  if (hx === 1 && vx === 1) return '4:4:4';
  if (hx === 2 && vx === 1) return '4:2:2';
  if (hx === 2 && vx === 2) return '4:2:0';
  if (hx === 1 && vx === 2) return '4:4:0';
  if (hx === 4 && vx === 1) return '4:1:1';
  return `custom ${frame.components.map((c) => `${c.h}x${c.v}`).join(',')}`;
}

/** The luma quantisation table (natural order) from a JPEG's header, or undefined (not a JPEG, no table). */
export function lumaTableOf(bytes: Uint8Array): number[] | undefined {
  if (!isJpeg(bytes)) return undefined;
  const segments = jpegSegments(bytes);
  const table = parseDqt(segments)[parseSof(segments)?.components[0]?.tq ?? 0];
  return table?.length === 64 ? table : undefined;
}

/**
 * Reads the quantisation tables from the JPEG header and finds the IJG quality whose scaled Annex K tables match best
 * (sum of absolute differences over the luma table, plus the chroma table when there is one). Editors with their
 * own tables (Photoshop, many cameras) get the nearest IJG equivalent and `standardTables: false`.
 */
export function estimateJpegQuality(bytes: Uint8Array): JpegQualityEstimate {
  if (!isJpeg(bytes)) return { quality: null, standardTables: false, tables: [] };
  const segments = jpegSegments(bytes);
  const tables = parseDqt(segments);
  const frame = parseSof(segments);
  const base: JpegQualityEstimate = { quality: null, standardTables: false, tables };
  if (frame) {
    const sub = subsamplingOf(frame);
    if (sub) base.subsampling = sub;
    base.progressive = frame.progressive;
  }
  const lumaId = frame?.components[0]?.tq ?? 0;
  const chromaId = frame?.components[1]?.tq;
  const luma = tables[lumaId];
  if (luma?.length !== 64) return base;
  const chroma = chromaId !== undefined && chromaId !== lumaId ? tables[chromaId] : undefined;
  let best = 0;
  let bestErr = Number.POSITIVE_INFINITY;
  for (let q = 1; q <= 100; q++) {
    let err = sad(luma, ijgTable(STD_LUMA, q));
    if (chroma && chroma.length === 64) err += sad(chroma, ijgTable(STD_CHROMA, q));
    // `<=` prefers the higher quality when several scale to the same table (q 98-100 on coarse tables).
    if (err <= bestErr) {
      bestErr = err;
      best = q;
    }
  }
  return { ...base, quality: best, standardTables: bestErr === 0 };
}

function sad(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < 64; i++) s += Math.abs((a[i] as number) - (b[i] as number));
  return s;
}

/** Low-frequency AC positions (natural order) whose histograms the double-compression test reads. */
const DQ_POSITIONS = [1, 8, 9, 2, 16, 10, 17, 3, 24];
const DQ_BINS = 16;
const DQ_MAX_SIDE = 1024;
const DQ_THRESHOLD = 0.2;
const DQ_METHOD =
  'Luma DCT histogram vs. calibrated estimate: quantised low-frequency coefficients of the 8x8 grid are compared with ' +
  'those of the same pixels shifted by 4 px (which behave like a single compression at the current tables).';

/**
 * Double-compression hint (Lukáš & Fridrich style). A JPEG decoded and re-saved on the same 8x8 grid with different
 * tables leaves periodic gaps or peaks in its coefficient histograms; a 4-px shifted copy quantised with the current
 * tables has smooth histograms and serves as the single-compression reference. Only a hint: same-quality re-saves,
 * crops or resizes between saves, and very smooth images defeat it.
 */
export async function doubleCompressionHint(bytes: Uint8Array): Promise<DoubleCompressionHint> {
  const none = (note: string): DoubleCompressionHint => ({ suspected: null, score: null, method: DQ_METHOD, note });
  if (!isJpeg(bytes)) return none('Not a JPEG: no compression history to read.');
  const segments = jpegSegments(bytes);
  const tables = parseDqt(segments);
  const frame = parseSof(segments);
  const q = tables[frame?.components[0]?.tq ?? 0];
  if (q?.length !== 64) return none('No luma quantisation table found.');
  let plane: Float32Array;
  let w: number;
  let h: number;
  try {
    // No rotation: the test needs the stored 8x8 grid.
    const meta = await sharp(bytes, { failOn: 'none' }).metadata();
    const cw = Math.min(meta.width ?? 0, DQ_MAX_SIDE) & ~7;
    const ch = Math.min(meta.height ?? 0, DQ_MAX_SIDE) & ~7;
    if (cw < 64 || ch < 64) return none('Image too small for the histogram test.');
    // Centre crop, aligned to the 8x8 grid, bounds CPU on large photos.
    const left = (((meta.width ?? 0) - cw) >> 4) << 3;
    const top = (((meta.height ?? 0) - ch) >> 4) << 3;
    const { data, info } = await sharp(bytes, { failOn: 'none' })
      .extract({ left, top, width: cw, height: ch })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    w = info.width;
    h = info.height;
    plane = new Float32Array(w * h);
    const c = info.channels;
    for (let i = 0; i < w * h; i++) {
      plane[i] =
        c >= 3
          ? 0.299 * (data[c * i] as number) + 0.587 * (data[c * i + 1] as number) + 0.114 * (data[c * i + 2] as number)
          : (data[c * i] as number);
    }
  } catch {
    return none('The pixels could not be decoded for the histogram test.');
  }
  const observed = coefficientHistograms(plane, w, h, 0, q);
  const calibrated = coefficientHistograms(plane, w, h, 4, q);
  let total = 0;
  let used = 0;
  for (let k = 0; k < DQ_POSITIONS.length; k++) {
    const qstep = q[DQ_POSITIONS[k] as number] as number;
    // Steps of 1 cannot show double-quantisation gaps; tiny histograms are noise.
    if (qstep < 2) continue;
    const a = observed[k] as Float64Array;
    const b = calibrated[k] as Float64Array;
    const na = sum(a, 1);
    const nb = sum(b, 1);
    if (na < 200 || nb < 200) continue;
    // Bin 0 mostly measures smoothness, not history: compare the shapes of bins 1.. only.
    let dev = 0;
    for (let i = 1; i < DQ_BINS; i++) dev += Math.abs((a[i] as number) / na - (b[i] as number) / nb);
    total += dev / 2;
    used++;
  }
  if (used === 0) return none('Too few non-zero coefficients (very smooth image or near-lossless tables) to test.');
  const score = total / used;
  const suspected = score > DQ_THRESHOLD;
  return {
    suspected,
    score: Math.round(score * 1000) / 1000,
    method: DQ_METHOD,
    note: suspected
      ? 'The coefficient histograms show the periodic gaps or peaks a second JPEG save on the same grid leaves. A hint only: it says nothing about what was changed, and re-saving is routine.'
      : 'No periodic gaps or peaks found. A hint only: a re-save at the same quality, or after a crop or resize, leaves none.',
  };
}

function coefficientHistograms(plane: Float32Array, w: number, h: number, shift: number, q: number[]): Float64Array[] {
  const hists = DQ_POSITIONS.map(() => new Float64Array(DQ_BINS));
  const coef = new Float64Array(64);
  for (let by = shift; by + 8 <= h; by += 8) {
    for (let bx = shift; bx + 8 <= w; bx += 8) {
      dct8x8(plane, w, bx, by, coef);
      for (let k = 0; k < DQ_POSITIONS.length; k++) {
        const pos = DQ_POSITIONS[k] as number;
        const v = Math.abs(Math.round((coef[pos] as number) / (q[pos] as number)));
        if (v < DQ_BINS) (hists[k] as Float64Array)[v] = ((hists[k] as Float64Array)[v] as number) + 1;
      }
    }
  }
  return hists;
}

function sum(a: Float64Array, from: number): number {
  let s = 0;
  for (let i = from; i < a.length; i++) s += a[i] as number;
  return s;
}
