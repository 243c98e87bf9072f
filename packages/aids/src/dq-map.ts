import { dct8x8 } from './_internal/dct.ts';

/**
 * Where did a JPEG lose its earlier compression? A photo saved as JPEG, edited and saved again on the same 8x8 grid
 * keeps, outside the edit, DCT coefficients that were quantised twice (the periodic peaks and gaps of double
 * quantisation); where the edit resampled the pixels, the first quantisation is gone and the coefficients look
 * quantised once. This map gives each 8x8 block the log-likelihood ratio "quantised twice" vs "once" (Bianchi & Piva's
 * aligned double-JPEG localisation, simplified): negative blocks are where the photo's history breaks.
 *
 * It needs only decoded pixels: the grid offset and the last quantisation steps are estimated from them (a crop of a
 * JPEG works, as long as it was not resized or re-coloured after the last save), and the "once" reference is the same
 * picture cut on a grid shifted by 4 px (Fridrich's calibration). Blocks without non-zero coefficients in the
 * frequencies that carry the trace (flat skin, sky) carry no evidence either way: 0.
 */
export type DoubleJpegMap = {
  /** Blocks across and down; block (c, r) covers pixels [offsetX + 8c, +8) x [offsetY + 8r, +8). */
  cols: number;
  rows: number;
  offsetX: number;
  offsetY: number;
  /** Per block, row-major: log-likelihood ratio of double vs single quantisation (nats). */
  llr: Float32Array;
  /** Frequencies (natural index 0..63) whose histograms showed the double-quantisation pattern, and were used. */
  frequencies: number[];
  /** Estimated last quantisation step per natural index (0 where unknown). */
  steps: number[];
  /** The earlier save's step fitted per used frequency (same order as `frequencies`). */
  firstSteps: number[];
  /**
   * The factor the earlier save's lattice was scaled by before the last save (1: none found), fitted with the earlier
   * steps: a colour edit between the saves (contrast, brightness, levels) scales the luma's coefficients, every
   * frequency alike. A fit, not a measurement of the edit: a lattice scaled by 0.9 may read as 0.9 × 4/3 when whole
   * steps explain both.
   */
  scale: number;
};

/** Zigzag order 1..20: low and middle frequencies, where coefficients are seldom all zero. */
const CANDIDATES = [1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40];
const MAX_BIN = 24;
/** A frequency is used when its observed histogram's periodic departure from the reference exceeds this (nats). */
const MIN_EVIDENCE = 0.01;
/** Earlier steps within this share of the last are not fitted: their lattices beat too slowly to show in 24 bins. */
const MIN_LATTICE_CONTRAST = 0.02;

/**
 * `luma` is the Y plane (0..255) of the decoded image, `width` x `height`. `steps` may pass the luma table read from
 * the file's header (natural order); otherwise the steps are estimated from the coefficients.
 */
export function doubleJpegMap(
  luma: Float32Array,
  width: number,
  height: number,
  opts: { steps?: readonly number[]; offset?: { x: number; y: number } } = {},
): DoubleJpegMap {
  const offset = opts.offset ?? gridOffset(luma, width, height);
  const aligned = blockCoefficients(luma, width, height, offset.x, offset.y);
  const shifted = blockCoefficients(luma, width, height, (offset.x + 4) % 8, (offset.y + 4) % 8);
  const steps = opts.steps ? [...opts.steps] : estimateSteps(aligned.coef);
  const cols = aligned.cols;
  const rows = aligned.rows;
  const llr = new Float32Array(cols * rows);
  const frequencies: number[] = [];
  const firstSteps: number[] = [];
  const clipped = clippedBlocks(luma, width, offset.x, offset.y, cols, rows);
  const usable = CANDIDATES.flatMap((f) => {
    const q = steps[f] ?? 0;
    const h = q >= 2 ? binHistograms(histogram(aligned.coef, f, q), histogram(shifted.coef, f, q)) : undefined;
    return h ? [{ f, q, h }] : [];
  });
  const scale = colourScale(usable);
  for (const { f, q, h } of usable) {
    const fit = firstStepFit(h, q, scale);
    if (!fit) continue;
    const table = fit.table;
    frequencies.push(f);
    firstSteps.push(fit.q1);
    for (let b = 0; b < cols * rows; b++) {
      if (clipped[b]) continue;
      const k = Math.abs(Math.round((aligned.coef[b * 64 + f] as number) / q));
      if (k >= 1 && k < MAX_BIN) llr[b] = (llr[b] as number) + (table[k] as number);
    }
  }
  return { cols, rows, offsetX: offset.x, offsetY: offset.y, llr, frequencies, steps, firstSteps, scale };
}

/**
 * Colour scales between the saves tried, 0.7–1.43 in steps of 0.5% (fine enough that the earlier lattice's 24th bin
 * lands within a quarter step); 1 among them.
 */
const SCALES = (() => {
  const out = [1];
  for (let i = -72; i <= 72; i++) if (i !== 0) out.push(1.005 ** i);
  return out;
})();
/**
 * A scale other than 1 must explain the histograms this much better (summed evidence over the frequencies): on photos
 * without a colour edit a free scale otherwise fits the noise of a faint history.
 */
const SCALE_MARGIN = 1.5;
/**
 * Scales within this share of the best gain count as tied, and the one nearest 1 wins: a scale times 2/3 or 4/5 is a
 * denser lattice that explains nearly as much with other whole steps.
 */
const SCALE_TIE = 0.98;

/** The colour scale whose earlier lattice (scale × a whole step, per frequency) explains the histograms best. */
function colourScale(usable: { q: number; h: BinHistograms }[]): number {
  const total = (scale: number) => usable.reduce((s, { q, h }) => s + (firstStepFit(h, q, scale)?.gain ?? 0), 0);
  const gains = SCALES.map((scale) => ({ scale, gain: total(scale) }));
  const plain = gains[0]!.gain;
  const best = Math.max(...gains.map((g) => g.gain));
  if (best <= SCALE_MARGIN * plain) return 1;
  const tied = gains.filter((g) => g.gain >= SCALE_TIE * best);
  return tied.reduce((a, b) => (Math.abs(Math.log(b.scale)) < Math.abs(Math.log(a.scale)) ? b : a)).scale;
}

/**
 * Blocks with a pixel at (or within a step of) black or white: decoding clipped them, which moves their coefficients
 * off any lattice, so they would read as "quantised once" wherever a photo is over- or under-exposed. They carry no
 * evidence.
 */
function clippedBlocks(luma: Float32Array, width: number, ox: number, oy: number, cols: number, rows: number) {
  const clipped = new Uint8Array(cols * rows);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (let y = 0; y < 8 && !clipped[r * cols + c]; y++)
        for (let x = 0; x < 8; x++) {
          const v = luma[(oy + 8 * r + y) * width + ox + 8 * c + x] as number;
          if (v < 1.5 || v > 253.5) {
            clipped[r * cols + c] = 1;
            break;
          }
        }
  return clipped;
}

/**
 * The 8x8 grid's phase: where the high-frequency coefficients are most often (near) zero, as quantisation leaves
 * them. Searched over all 64 offsets on a sample of blocks.
 */
export function gridOffset(luma: Float32Array, width: number, height: number): { x: number; y: number } {
  const highList: number[] = [];
  for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) if (u + v >= 5) highList.push(v * 8 + u);
  const high = Int32Array.from(highList);
  const blocks = Math.floor((width - 8) / 8) * Math.floor((height - 8) / 8);
  const coef = new Float64Array(64);
  // Share of (near-)zero high frequencies over about `sample` blocks at grid offset (ox, oy).
  const score = (ox: number, oy: number, sample: number) => {
    const stride = Math.max(1, Math.floor(Math.sqrt(blocks / sample)));
    let near = 0;
    let n = 0;
    for (let by = oy; by + 8 <= height; by += 8 * stride)
      for (let bx = ox; bx + 8 <= width; bx += 8 * stride) {
        dct8x8(luma, width, bx, by, coef);
        for (let k = 0; k < high.length; k++) if (Math.abs(coef[high[k]!]!) < 0.75) near++;
        n += high.length;
      }
    return near / Math.max(1, n);
  };
  // All 64 offsets on a coarse sample, then the best few on a fine one: a tenth of the DCTs of a fine search (an
  // 800 px photo's history went from 0.5 s to 0.1 s), the same answer where one offset stands out.
  const coarse: { x: number; y: number; score: number }[] = [];
  for (let oy = 0; oy < 8; oy++)
    for (let ox = 0; ox < 8; ox++) coarse.push({ x: ox, y: oy, score: score(ox, oy, 200) });
  coarse.sort((a, b) => b.score - a.score);
  let best = { x: 0, y: 0, score: -1 };
  for (const c of coarse.slice(0, 4)) {
    const fine = score(c.x, c.y, 1500);
    if (fine > best.score) best = { x: c.x, y: c.y, score: fine };
  }
  return { x: best.x, y: best.y };
}

function blockCoefficients(luma: Float32Array, width: number, height: number, ox: number, oy: number) {
  const cols = Math.max(0, Math.floor((width - ox) / 8));
  const rows = Math.max(0, Math.floor((height - oy) / 8));
  const coef = new Float32Array(cols * rows * 64);
  const tmp = new Float64Array(64);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      dct8x8(luma, width, ox + 8 * c, oy + 8 * r, tmp);
      coef.set(tmp, (r * cols + c) * 64);
    }
  return { cols, rows, coef };
}

/** Typical spread of a decoded coefficient around its lattice point when estimating steps (DCT units). */
const STEP_NOISE = 0.45;

/**
 * Largest step q whose lattice nearly all coefficients sit on: mean cos(2πc/q) over the coefficients that step would
 * leave non-zero (|c| ≥ q/2; at least 30), divided by what decoding noise alone leaves of a perfect lattice, ≥ 0.75.
 * Where the earlier save's step was a multiple of the last one this can find the earlier step instead: pass the
 * header's table when there is one. 0 where too few coefficients are non-zero to tell.
 */
function estimateSteps(coef: Float32Array): number[] {
  const steps = new Array<number>(64).fill(0);
  for (const f of CANDIDATES) {
    for (let q = 40; q >= 2; q--) {
      let s = 0;
      let n = 0;
      for (let i = f; i < coef.length; i += 64) {
        const v = coef[i] as number;
        if (Math.abs(v) < q / 2) continue;
        s += Math.cos((2 * Math.PI * v) / q);
        n++;
      }
      const ideal = Math.exp((-2 * Math.PI ** 2 * STEP_NOISE ** 2) / (q * q));
      if (n >= 30 && s / n / ideal >= 0.75) {
        steps[f] = q;
        break;
      }
    }
  }
  return steps;
}

function histogram(coef: Float32Array, f: number, q: number): Float64Array {
  const h = new Float64Array(MAX_BIN);
  for (let i = f; i < coef.length; i += 64) {
    const k = Math.abs(Math.round((coef[i] as number) / q));
    if (k >= 1 && k < MAX_BIN) h[k] = (h[k] as number) + 1;
  }
  return h;
}

/** Spread of a decoded coefficient around its lattice point: Y rounded in decoding, then RGB (DCT units). */
const DECODE_NOISE = 0.5;

/**
 * Bin k's weight under double quantisation, first step q1 then q2, relative to a single quantisation at q2: how much
 * of the lattice q1·j lands in bin k (with the decoding noise), times q1/q2. Periodic in k: the peaks and gaps.
 */
function doubleQuantisationWeights(q1: number, q2: number): Float64Array {
  const key = `${q1}/${q2}`;
  const cached = weightCache.get(key);
  if (cached) return cached;
  const w = new Float64Array(MAX_BIN);
  const jMax = Math.ceil(((MAX_BIN + 1) * q2) / q1);
  const reach = 6 * DECODE_NOISE;
  for (let j = 0; j <= jMax; j++) {
    const centre = j * q1;
    // Only the bins within 6 noise widths of the lattice point gain (the rest by less than 1e-9).
    const kLo = Math.max(1, Math.ceil((centre - reach) / q2 - 0.5));
    const kHi = Math.min(MAX_BIN - 1, Math.floor((centre + reach) / q2 + 0.5));
    for (let k = kLo; k <= kHi; k++) {
      const p =
        normalCdf(((k + 0.5) * q2 - centre) / DECODE_NOISE) - normalCdf(((k - 0.5) * q2 - centre) / DECODE_NOISE);
      w[k] = (w[k] as number) + (p * q1) / q2;
    }
  }
  // Bounded (about 10 MB): a worker that meets every quality and colour scale would otherwise keep ~300k tables.
  if (weightCache.size >= MAX_CACHED_WEIGHTS) weightCache.clear();
  weightCache.set(key, w);
  return w;
}
const weightCache = new Map<string, Float64Array>();
const MAX_CACHED_WEIGHTS = 40_000;

type BinHistograms = { aligned: Float64Array; smooth: Float64Array };

/**
 * One frequency's histograms, normalised: the aligned grid's, and the shifted grid's smoothed, which stands in for
 * the distribution before any quantisation. Undefined with fewer than 100 coefficients in either.
 */
function binHistograms(aligned: Float64Array, shifted: Float64Array): BinHistograms | undefined {
  let na = 0;
  let ns = 0;
  for (let k = 1; k < MAX_BIN; k++) {
    na += aligned[k] as number;
    ns += shifted[k] as number;
  }
  if (na < 100 || ns < 100) return undefined;
  const smooth = new Float64Array(MAX_BIN);
  const norm = new Float64Array(MAX_BIN);
  for (let k = 1; k < MAX_BIN; k++) {
    smooth[k] = ((shifted[k] as number) + 0.5) / (ns + 0.5 * MAX_BIN);
    norm[k] = (aligned[k] as number) / na;
  }
  return { aligned: norm, smooth };
}

/**
 * Per-bin log-likelihood ratio of "quantised at q1, then at q2" vs "quantised at q2 once", for the first step
 * q1 = scale × n (n whole) that explains the aligned histogram best, and its gain (mean nats per coefficient).
 * Undefined when no q1 explains it better than a single quantisation by MIN_EVIDENCE nats per coefficient, e.g. when
 * both saves used the same step.
 */
function firstStepFit(
  h: BinHistograms,
  q2: number,
  scale: number,
): { table: Float64Array; q1: number; gain: number } | undefined {
  let best: { gain: number; q1: number; w: Float64Array; z: number } | undefined;
  for (let n = 1; n * scale <= 2 * q2 + 2; n++) {
    const q1 = n * scale;
    if (Math.abs(q1 / q2 - 1) < MIN_LATTICE_CONTRAST) continue;
    const w = doubleQuantisationWeights(q1, q2);
    let z = 0;
    for (let k = 1; k < MAX_BIN; k++) z += (h.smooth[k] as number) * (w[k] as number);
    let gain = 0;
    for (let k = 1; k < MAX_BIN; k++) gain += (h.aligned[k] as number) * Math.log(Math.max(1e-3, (w[k] as number) / z));
    if (!best || gain > best.gain) best = { gain, q1, w, z };
  }
  if (!best || best.gain < MIN_EVIDENCE) return undefined;
  const table = new Float64Array(MAX_BIN);
  for (let k = 1; k < MAX_BIN; k++) table[k] = Math.log(Math.max(1e-3, (best.w[k] as number) / best.z));
  return { table, q1: best.q1, gain: best.gain };
}

/** Φ, the standard normal CDF (Abramowitz & Stegun 7.1.26 through erf). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    t *
      (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Y (BT.601, as JPEG encodes it) of interleaved RGB. */
export function lumaOf(rgb: Uint8Array | Uint8ClampedArray, width: number, height: number): Float32Array {
  const y = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++)
    y[i] = 0.299 * (rgb[3 * i] as number) + 0.587 * (rgb[3 * i + 1] as number) + 0.114 * (rgb[3 * i + 2] as number);
  return y;
}

/** Window side as a share of the region's shorter side: chosen on val/afw (docs/training-experiments.md, session 7). */
export const BREAK_WINDOW_SHARE = 0.4;

/**
 * How strongly some part of `region` (pixels) looks JPEG-quantised once while the photo around it was quantised
 * twice: the most negative sum of block LLRs over square windows (side `windowShare` of the region's shorter side,
 * default BREAK_WINDOW_SHARE; at least 3 blocks) whose centres lie in the region, negated (nats; 0 when every window leans "twice").
 */
export function compressionBreak(
  map: DoubleJpegMap,
  region: { x0: number; y0: number; x1: number; y1: number },
  windowShare = BREAK_WINDOW_SHARE,
): number {
  return compressionBreakWindow(map, region, windowShare)?.nats ?? 0;
}

/**
 * Window share at which the pipeline shows where a face's history breaks (`compressionBreakWindow`): on simulator edits
 * exported at q90 the window lies on the edit far more often than chance (docs/training-experiments.md, twentieth
 * session).
 */
export const BREAK_HOTSPOT_SHARE = 0.2;

/**
 * `historyEvidence` above which the pipeline outlines a face's break: on the calibration's q90 sets (train/helen and
 * val/afw, seed 11, plain and colour-edited) at most 4.3% of untouched faces read above 1 (above 0: up to 9.7%), while
 * 69% of train/helen's edited ones do (docs/training-experiments.md, twentieth session).
 */
export const HOTSPOT_MIN_EVIDENCE = 1;

/**
 * Where `compressionBreak` found its break: the window (pixels of the map's image, `x0..x1` × `y0..y1`) and its nats;
 * undefined when every window leans "twice". A small window share places a small edit, a large one sums more blocks.
 */
export function compressionBreakWindow(
  map: DoubleJpegMap,
  region: { x0: number; y0: number; x1: number; y1: number },
  windowShare = BREAK_WINDOW_SHARE,
): { x0: number; y0: number; x1: number; y1: number; nats: number } | undefined {
  const w = breakWindowSide(region, windowShare);
  let worst = 0;
  let at: { r: number; c: number } | undefined;
  for (let r = 0; r + w <= map.rows; r++)
    for (let c = 0; c + w <= map.cols; c++) {
      const cx = map.offsetX + 8 * (c + w / 2);
      const cy = map.offsetY + 8 * (r + w / 2);
      if (cx < region.x0 || cx >= region.x1 || cy < region.y0 || cy >= region.y1) continue;
      let s = 0;
      for (let y = r; y < r + w; y++) for (let x = c; x < c + w; x++) s += map.llr[y * map.cols + x] as number;
      if (s < worst) {
        worst = s;
        at = { r, c };
      }
    }
  if (!at) return undefined;
  const x0 = map.offsetX + 8 * at.c;
  const y0 = map.offsetY + 8 * at.r;
  return { x0, y0, x1: x0 + 8 * w, y1: y0 + 8 * w, nats: -worst };
}

/** `compressionBreak`'s window side in blocks: `windowShare` of the region's shorter side, at least 3. */
function breakWindowSide(region: { x0: number; y0: number; x1: number; y1: number }, windowShare: number): number {
  const side = Math.min(region.x1 - region.x0, region.y1 - region.y0);
  return Math.max(3, Math.round((windowShare * side) / 8));
}

/**
 * How clearly the photo around `region` shows its earlier JPEG save: the mean block LLR (nats per block) of the blocks
 * whose centres lie outside the region, and how many there are. A break inside a face means something only where the
 * rest of the photo was quantised twice; after a rescale or a colour change the map is noise around 0 there.
 */
export function historyAround(
  map: DoubleJpegMap,
  region: { x0: number; y0: number; x1: number; y1: number },
): { mean: number; blocks: number } {
  const { mean, blocks } = blockLlrStats(map, region, false);
  return { mean, blocks };
}

/** Mean and spread of the block LLRs whose centres lie inside `region` (or outside it), and how many there are. */
function blockLlrStats(
  map: DoubleJpegMap,
  region: { x0: number; y0: number; x1: number; y1: number },
  inside: boolean,
): { mean: number; sd: number; blocks: number } {
  let sum = 0;
  let squares = 0;
  let blocks = 0;
  for (let r = 0; r < map.rows; r++)
    for (let c = 0; c < map.cols; c++) {
      const cx = map.offsetX + 8 * c + 4;
      const cy = map.offsetY + 8 * r + 4;
      if ((cx >= region.x0 && cx < region.x1 && cy >= region.y0 && cy < region.y1) !== inside) continue;
      const v = map.llr[r * map.cols + c] as number;
      sum += v;
      squares += v * v;
      blocks++;
    }
  const mean = blocks > 0 ? sum / blocks : 0;
  return { mean, sd: blocks > 0 ? Math.sqrt(Math.max(0, squares / blocks - mean * mean)) : 0, blocks };
}

/** Window shares of `historyEvidence`'s breaks: a small edit shows at small windows, a large one at large. */
export const EVIDENCE_WINDOW_SHARES = [0.15, 0.2, 0.3, 0.4, 0.5] as const;

/** A logistic fit over `historyFeatures`, each feature taken as sign(v)·log(1 + |v|). */
export type HistoryEvidenceFit = { weights: readonly number[]; intercept: number };

/**
 * `historyEvidence`'s two fits and where one gives way to the other: `clear` for a history the map reads plainly
 * around the region, `faint` where the mean block LLR around the region is below `faintBelow` (nats per block; a plain
 * q90 export keeps ~0.1, a colour edit the scale search left alone 0.002–0.05), or below `scaledFaintBelow` where the
 * map fitted a colour scale between the saves (at q90 such maps keep 0.002–0.12 and their breaks are noise; a q95
 * export after a colour edit keeps ~2 and reads as clearly as a plain one). One fit for both had to distrust every
 * break as if the history were faint.
 */
export type HistoryEvidenceFits = {
  clear: HistoryEvidenceFit;
  faint: HistoryEvidenceFit;
  faintBelow: number;
  scaledFaintBelow: number;
};

/**
 * `historyEvidence`'s fits, one weight per feature (the breaks at EVIDENCE_WINDOW_SHARES, the mean block LLR outside
 * and inside the region, then each break's shortfall against the history around it) and an intercept: fitted on
 * simulator edits of train/helen saved once at JPEG q90 on the photo's grid, 300 faces as they are and the same 300
 * with a colour edit before the export (seed 1), each fit on the faces of its regime; faintBelow chosen on the
 * calibration's sets, scaledFaintBelow above the colour-scaled q90 maps of the fit set (docs/training-experiments.md,
 * nineteenth session). The intercepts count only where a map found a history. Refit: `node --import tsx
 * packages/model/scripts/history-evidence-fit.ts --pool train/helen --count 300 --quality 90 --colour`.
 */
export const HISTORY_EVIDENCE_FIT: HistoryEvidenceFits = {
  clear: {
    weights: [-1.57, 1.75, 1.16, 0.26, -0.31, -1.84, -1.92, 0.19, 0.78, -0.28, 0.54, 0.39],
    intercept: -5,
  },
  faint: {
    weights: [-1.12, 0.08, -0.24, 0.05, 1.24, -0.27, -1.32, 0.03, 0.62, 0.53, -1.03, -1.06],
    intercept: -0.4,
  },
  faintBelow: 0.03,
  scaledFaintBelow: 0.2,
};

/** Where `historyFeatures` puts the mean block LLR around the region: after the breaks. */
export const MEAN_AROUND_FEATURE = EVIDENCE_WINDOW_SHARES.length;

/** What `historyEvidence` read from the map, in the order of the fits' weights. */
export function historyFeatures(
  map: DoubleJpegMap,
  region: { x0: number; y0: number; x1: number; y1: number },
): number[] {
  const around = blockLlrStats(map, region, false);
  const breaks = EVIDENCE_WINDOW_SHARES.map((share) => compressionBreak(map, region, share));
  // Each break against the photo's own history: how many spreads of a window's sum around it (n blocks: n × mean,
  // √n × sd) the worst window falls short. Where the history is faint (a colour edit between the saves scaled its
  // lattice to a weak pattern) the breaks are noise, large in nats and small here.
  const shortfalls = EVIDENCE_WINDOW_SHARES.map((share, i) => {
    const n = breakWindowSide(region, share) ** 2;
    return (n * around.mean + (breaks[i] as number)) / (Math.sqrt(n) * Math.max(around.sd, 1e-3));
  });
  return [...breaks, around.mean, blockLlrStats(map, region, true).mean, ...shortfalls];
}

/** Whether `historyEvidence` reads the history as faint, from its features and the map's colour scale. */
export function isFaintHistory(
  features: readonly number[],
  scale: number,
  bounds: Pick<HistoryEvidenceFits, 'faintBelow' | 'scaledFaintBelow'> = HISTORY_EVIDENCE_FIT,
): boolean {
  return (features[MEAN_AROUND_FEATURE] as number) < (scale !== 1 ? bounds.scaledFaintBelow : bounds.faintBelow);
}

/** The fit `historyEvidence` weighs `features` with, given the map's colour scale (`DoubleJpegMap.scale`). */
export function historyFitFor(
  features: readonly number[],
  scale: number,
  fits: HistoryEvidenceFits = HISTORY_EVIDENCE_FIT,
): HistoryEvidenceFit {
  return isFaintHistory(features, scale, fits) ? fits.faint : fits.clear;
}

/** `historyEvidence` from features already read (`historyFeatures` of a map that found a history, and its scale). */
export function weighHistoryFeatures(
  features: readonly number[],
  scale: number,
  fits: HistoryEvidenceFits = HISTORY_EVIDENCE_FIT,
): number {
  return combineHistoryFeatures(features, historyFitFor(features, scale, fits));
}

/**
 * `historyEvidence` and, where the map found a history, the features it weighed: for callers that keep both
 * (the studies refit from the features) without reading the map twice.
 */
export function historyReading(
  map: DoubleJpegMap,
  region: { x0: number; y0: number; x1: number; y1: number },
  fits: HistoryEvidenceFits = HISTORY_EVIDENCE_FIT,
): { evidence: number; features?: number[] } {
  if (map.frequencies.length === 0) return { evidence: 0 };
  const features = historyFeatures(map, region);
  return { evidence: weighHistoryFeatures(features, map.scale, fits), features };
}

/**
 * Log-odds that `region` was edited after the photo's earlier JPEG save: the breaks at several window sizes
 * (`compressionBreak`) against how clearly the blocks inside and around the region keep that save, combined by
 * HISTORY_EVIDENCE_FIT (its clear or faint fit, `historyFitFor`). 0 where the map found no history (no usable
 * frequency): no evidence either way. Where it found one, positive where part of the region lost the history the rest
 * keeps, negative where the region keeps it throughout. On 300 held-out val/helen faces exported at q90 the median
 * edited face reads +1.57 and the median untouched one −2.38 (AP 0.947; `compressionBreak` alone 0.910; one fit for
 * both regimes: −0.24 / −3.15); colour-edited before that export, 3% of the untouched faces read above 1
 * (docs/training-experiments.md, nineteenth session).
 */
export function historyEvidence(
  map: DoubleJpegMap,
  region: { x0: number; y0: number; x1: number; y1: number },
  fits: HistoryEvidenceFits = HISTORY_EVIDENCE_FIT,
): number {
  return historyReading(map, region, fits).evidence;
}

/** `historyFeatures` weighed into `historyEvidence`'s log-odds by one fit. */
export function combineHistoryFeatures(features: readonly number[], fit: HistoryEvidenceFit): number {
  let s = fit.intercept;
  for (let i = 0; i < features.length; i++) s += (fit.weights[i] ?? 0) * signedLog1p(features[i] as number);
  return s;
}

/** sign(v)·log(1 + |v|): the breaks span 0–100 nats, the means ±0.5; logs keep one large window from ruling. */
export function signedLog1p(v: number): number {
  return Math.sign(v) * Math.log1p(Math.abs(v));
}
