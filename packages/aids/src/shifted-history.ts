import type { DoubleJpegMap } from './dq-map.ts';

/**
 * An earlier JPEG save whose 8x8 grid is not the last save's: what a crop off the grid between the two saves leaves.
 * `doubleJpegMap` reads only an earlier save on the last one's grid; on another grid the earlier save shows as
 * its own lattice of DCT coefficients (multiples of its steps), blurred by the last save's rounding.
 */
export type ShiftedHistory = {
  /** The earlier save's grid in this image: its blocks start at x ≡ offset.x, y ≡ offset.y (mod 8). */
  offset: { x: number; y: number };
  /** Mean lattice strength (cosine of each coefficient's phase on its step, 0 for no lattice, 1 for exact). */
  strength: number;
  /**
   * Per block on the earlier grid, the log-likelihood ratio (nats) of "on the earlier save's lattice" against "off
   * it": positive where the block keeps that save, negative where its pixels changed after it. `frequencies` and
   * `firstSteps` are the coefficients read and their earlier steps; `steps` (the last save's) are not known here.
   */
  map: DoubleJpegMap;
};

/** Low frequencies (natural index), where an earlier save's lattice survives a finer last save best. */
const FREQUENCIES = [1, 8, 9, 2, 16];
/** Earlier steps searched: below 3 a last save at q90 blurs the lattice away (an earlier q92 save is not found). */
const MIN_STEP = 3;
const MAX_STEP = 24;
/** Blocks sampled per grid offset: all 63 on a coarse sample, the best few again on a finer one. */
const COARSE_BLOCKS = 300;
const FINE_BLOCKS = 1500;
const FINE_OFFSETS = 3;
/**
 * The winning grid's mean strength (over FREQUENCIES, each at its best step) must reach MIN_STRENGTH and lead the
 * next grid by MIN_GAP. With the step searched, every grid reads ~0.05 on noise alone and the best of 63 up to 0.11
 * on as-is or resized photos, but within 0.025 of the second; an earlier q85 save cropped off the grid and saved at
 * q90 leads by 0.035–0.08 (train/helen photos; docs/training-experiments.md, twenty-first session).
 */
const MIN_STRENGTH = 0.11;
const MIN_GAP = 0.03;
/** A frequency joins the map where its own lattice strength reaches this. */
const MIN_FREQUENCY_STRENGTH = 0.1;

/**
 * Searches the 63 grids other than `lastOffset` (the last save's, where `doubleJpegMap` reads) for an earlier JPEG
 * save's lattice and maps it block by block; undefined where no grid stands out. `luma` is the Y plane (0..255).
 */
export function shiftedJpegHistory(
  luma: Float32Array,
  width: number,
  height: number,
  lastOffset: { x: number; y: number },
  opts: { rgb?: Uint8Array } = {},
): ShiftedHistory | undefined {
  if (width < 64 || height < 64) return undefined;
  const score = (x: number, y: number, blocks: number) => {
    const samples = sampleCoefficients(luma, width, height, x, y, blocks);
    const lattice = samples.map(bestStep);
    return { x, y, blocks, samples, strength: mean(lattice.map((l) => l.s)), lattice };
  };
  const coarse: ReturnType<typeof score>[] = [];
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) if (x !== lastOffset.x || y !== lastOffset.y) coarse.push(score(x, y, COARSE_BLOCKS));
  coarse.sort((a, b) => b.strength - a.strength);
  // The finer sample for the leaders, the coarse score for the rest (the margin is taken against both).
  const scores = [
    ...coarse.slice(0, FINE_OFFSETS).map((c) => score(c.x, c.y, FINE_BLOCKS)),
    ...coarse.slice(FINE_OFFSETS),
  ];
  scores.sort((a, b) => b.strength - a.strength);
  const [best, next] = scores;
  if (!best || best.strength < MIN_STRENGTH || best.strength - (next?.strength ?? 0) < MIN_GAP) return undefined;
  // k: the frequency's place in FREQUENCIES (and in lowCoefficients' output). Each step refined between whole numbers
  // on the winner's finer sample: a contrast or brightness edit between the saves scales the lattice (a step of 5 to
  // 6.2), and blocks read against a whole step near it look changed wherever their coefficients are large.
  const fine =
    best.blocks === FINE_BLOCKS ? best.samples : sampleCoefficients(luma, width, height, best.x, best.y, FINE_BLOCKS);
  const used = FREQUENCIES.flatMap((f, k) => {
    const whole = best.lattice[k]!;
    const l = whole.q > 0 ? refineStep(fine[k]!, whole.q) : whole;
    return l.s >= MIN_FREQUENCY_STRENGTH ? [{ f, k, q: l.q, s: Math.min(l.s, 0.95) }] : [];
  });
  return {
    offset: { x: best.x, y: best.y },
    strength: best.strength,
    map: latticeMap(luma, width, height, best, used, opts.rgb),
  };
}

/** FREQUENCIES' coefficients of about `blocks` blocks on the grid at (ox, oy), spread over the image. */
function sampleCoefficients(luma: Float32Array, width: number, height: number, ox: number, oy: number, blocks: number) {
  const all = Math.floor((width - ox) / 8) * Math.floor((height - oy) / 8);
  const stride = Math.max(1, Math.floor(Math.sqrt(all / blocks)));
  const coef = new Float64Array(FREQUENCIES.length);
  const out = FREQUENCIES.map(() => [] as number[]);
  for (let by = oy; by + 8 <= height; by += 8 * stride)
    for (let bx = ox; bx + 8 <= width; bx += 8 * stride) {
      lowCoefficients(luma, width, bx, by, coef);
      for (let i = 0; i < FREQUENCIES.length; i++) out[i]!.push(coef[i]!);
    }
  return out;
}

/** JPEG DCT basis of each of FREQUENCIES over the block's 64 pixels (natural index f = 8v + u). */
const LOW_BASIS = FREQUENCIES.map((f) => {
  const [v, u] = [f >> 3, f & 7];
  const c = (k: number) => (k === 0 ? Math.SQRT1_2 : 1) / 2;
  const b = new Float64Array(64);
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++)
      b[y * 8 + x] =
        c(u) * c(v) * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
  return b;
});

/** FREQUENCIES' DCT coefficients of the block at (x0, y0), as `dct8x8` gives them (AC only: no level shift needed). */
function lowCoefficients(luma: Float32Array, width: number, x0: number, y0: number, out: Float64Array): void {
  for (let i = 0; i < LOW_BASIS.length; i++) {
    const b = LOW_BASIS[i]!;
    let s = 0;
    for (let y = 0; y < 8; y++) {
      const row = (y0 + y) * width + x0;
      for (let x = 0; x < 8; x++) s += b[y * 8 + x]! * luma[row + x]!;
    }
    out[i] = s;
  }
}

/**
 * The step whose lattice the coefficients sit on most closely: the mean cosine of their phase 2πc/q over those at
 * least half a step from 0 (near 0 every step fits). A divisor of the true step fits as exactly but is blurred more
 * by the last save's rounding, a multiple not at all, so the maximum is the step itself.
 */
function bestStep(coefficients: number[]): { q: number; s: number } {
  let best = { q: 0, s: 0 };
  for (let q = MIN_STEP; q <= MAX_STEP; q++) {
    const s = latticeStrength(coefficients, q);
    if (s > best.s) best = { q, s };
  }
  return best;
}

/** Between whole steps: searched this finely within one step of the whole step found. */
const STEP_REFINEMENT = 0.02;
/**
 * A step between whole numbers replaces the whole one only where its lattice is this much stronger: on an unscaled
 * lattice the finer search's best lies a step or two of STEP_REFINEMENT off the true step by noise alone.
 */
const REFINED_STEP_MARGIN = 0.02;

/** `bestStep` refined within one step of the whole step `q` (a scaled lattice), where that fits clearly better. */
function refineStep(coefficients: number[], q: number): { q: number; s: number } {
  const whole = { q, s: latticeStrength(coefficients, q) };
  let best = whole;
  const n = Math.round(1 / STEP_REFINEMENT);
  for (let i = -n; i <= n; i++) {
    const t = q + i * STEP_REFINEMENT;
    if (t < MIN_STEP || i === 0) continue;
    const s = latticeStrength(coefficients, t);
    if (s > best.s) best = { q: t, s };
  }
  return best.s >= whole.s + REFINED_STEP_MARGIN ? best : whole;
}

/** Mean cosine of the coefficients' phase on step q, over those at least half a step from 0; 0 for too few. */
function latticeStrength(coefficients: number[], q: number): number {
  let sum = 0;
  let n = 0;
  for (const c of coefficients) {
    if (Math.abs(c) < q / 2) continue;
    sum += Math.cos((2 * Math.PI * c) / q);
    n++;
  }
  // Too few coefficients away from 0 at this step to say anything.
  return n < 100 ? 0 : sum / n;
}

/**
 * Every block's LLR on the grid `at`: each used coefficient's distance r from its step's lattice is, for a block that
 * keeps the earlier save, normal around 0 with the spread the lattice strength implies (E cos(2πr/q) =
 * exp(−2π²σ²/q²)), and otherwise uniform over the step. 0 for a block near clipping (`nearClipping`).
 */
function latticeMap(
  luma: Float32Array,
  width: number,
  height: number,
  at: { x: number; y: number },
  used: { f: number; k: number; q: number; s: number }[],
  rgb: Uint8Array | undefined,
): DoubleJpegMap {
  const cols = Math.floor((width - at.x) / 8);
  const rows = Math.floor((height - at.y) / 8);
  const llr = new Float32Array(cols * rows);
  const coef = new Float64Array(FREQUENCIES.length);
  const sigmas = used.map(({ q, s }) => Math.sqrt((-Math.log(s) * q * q) / (2 * Math.PI * Math.PI)));
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      // A block near black or white says nothing (LLR 0): a colour edit that clipped it erased the lattice, not a
      // retouch.
      if (nearClipping(luma, rgb, width, at.x + 8 * c, at.y + 8 * r)) continue;
      lowCoefficients(luma, width, at.x + 8 * c, at.y + 8 * r, coef);
      let sum = 0;
      used.forEach(({ k, q }, i) => {
        const v = coef[k]!;
        if (Math.abs(v) < q / 2) return;
        const d = v - q * Math.round(v / q);
        sum += Math.log(q * wrappedNormal(d, sigmas[i]!, q));
      });
      llr[r * cols + c] = sum;
    }
  return {
    cols,
    rows,
    offsetX: at.x,
    offsetY: at.y,
    llr,
    frequencies: used.map((u) => u.f),
    steps: new Array(64).fill(0),
    firstSteps: used.map((u) => u.q),
    scale: 1,
  };
}

/** Density at d of a normal of spread sigma wrapped onto one step q (three turns suffice for sigma below q). */
function wrappedNormal(d: number, sigma: number, q: number): number {
  let p = 0;
  for (let k = -1; k <= 1; k++) p += Math.exp(-((d + k * q) ** 2) / (2 * sigma * sigma));
  return p / (sigma * Math.sqrt(2 * Math.PI));
}

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);

/**
 * Luma within this of 0 or 255 marks a block as (near) clipped, and so does a channel within CLIPPED_CHANNEL_MARGIN
 * of 0 or 255 where the decoded RGB is given. A colour
 * edit between the saves clips highlights and shadows, and a saturation change clips single channels of saturated
 * skin, erasing the earlier lattice there: on off-grid edits colour-edited before a q90 export (train/helen seeds 1,
 * 2), 23–24% of the found untouched faces read as edited (evidence above 0 under session 22's fit), 0–2% with such
 * blocks left out; plain off-grid photos read as before (docs/training-experiments.md, twenty-third session).
 */
const CLIPPED_LUMA_MARGIN = 12;
/** A channel within this of 0 or 255 (of `rgb`, interleaved, the luma's pixels) marks a block as clipped too. */
const CLIPPED_CHANNEL_MARGIN = 3;

/**
 * Whether any pixel of the 8x8 block at (x0, y0) is near black or white in luma, or, where `rgb` is given, has a
 * channel near 0 or 255 (a saturation change clips the red of lit skin without taking luma there).
 */
function nearClipping(luma: Float32Array, rgb: Uint8Array | undefined, width: number, x0: number, y0: number): boolean {
  const hi = 255 - CLIPPED_CHANNEL_MARGIN;
  for (let y = 0; y < 8; y++) {
    const row = (y0 + y) * width + x0;
    for (let x = 0; x < 8; x++) {
      const v = luma[row + x]!;
      if (v <= CLIPPED_LUMA_MARGIN || v >= 255 - CLIPPED_LUMA_MARGIN) return true;
      if (!rgb) continue;
      const i = 3 * (row + x);
      const [r, g, b] = [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!];
      if (Math.min(r, g, b) <= CLIPPED_CHANNEL_MARGIN || Math.max(r, g, b) >= hi) return true;
    }
  }
  return false;
}
