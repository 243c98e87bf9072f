import {
  combineHistoryFeatures,
  compressionBreak,
  type DoubleJpegMap,
  doubleJpegMap,
  type HistoryEvidenceFit,
  historyFeatures,
  historyReading,
  MEAN_AROUND_FEATURE,
} from './dq-map.ts';
import { type ShiftedHistory, shiftedJpegHistory } from './shifted-history.ts';

/**
 * Fewer frequencies than this of an earlier save on the last save's grid do not stand against a save found on another
 * grid: a crop off the grid between the saves leaves none there, or a stray one or two (shifted-history.test.ts).
 */
export const MIN_HISTORY_FREQUENCIES = 3;

/** A JPEG's history as the pipeline reads it: the map on the last save's grid, and an earlier save on another grid. */
export type JpegHistory = { map: DoubleJpegMap; shifted?: ShiftedHistory };

/**
 * `doubleJpegMap` of the decoded luma, and `shiftedJpegHistory`'s search of the other grids (about half the map's time):
 * after a crop off the grid between the saves the last grid can still show a false history of three or more
 * frequencies, so the search runs whatever that map shows. `steps`: the last save's luma table from the header, where
 * there is one; `rgb`: the decoded pixels (interleaved), so the shifted map skips blocks with a clipped channel too.
 */
export function readJpegHistory(
  luma: Float32Array,
  width: number,
  height: number,
  opts: { steps?: readonly number[]; rgb?: Uint8Array } = {},
): JpegHistory {
  const map = doubleJpegMap(luma, width, height, opts.steps ? { steps: opts.steps } : {});
  const lastOffset = { x: map.offsetX, y: map.offsetY };
  const shifted = shiftedJpegHistory(luma, width, height, lastOffset, opts.rgb ? { rgb: opts.rgb } : {});
  return shifted ? { map, shifted } : { map };
}

/**
 * `historyEvidence` for an earlier save found on another grid: the same twelve `historyFeatures`, read on the shifted
 * save's map, weighed by one logistic fit (no faint regime) on train/helen seed 1, 300 faces exported at q90 1–7 px
 * off an earlier q70–90 save's grid, as they are and colour-edited first (off-grid-evidence-study.ts;
 * docs/training-experiments.md, sessions 23 and 24).
 */
export const SHIFTED_HISTORY_FIT: HistoryEvidenceFit = {
  weights: [0.16, 1.81, 0.98, 0.77, 0.16, 0.53, 0.18, -0.33, -0.05, -0.06, -0.34, 0.55],
  intercept: -6.21,
};

/** A face's JPEG history as the score reads it: from which map, the break and the evidence. */
export type FaceHistoryReading = {
  /** `aligned`: the earlier save on the last save's grid; `shifted`: one found on another grid (a crop between the saves). */
  grid: 'aligned' | 'shifted';
  map: DoubleJpegMap;
  /** `compressionBreak` of that map over the region (nats). */
  compressionBreak: number;
  /** Log-odds that the region was edited after the earlier save (`historyEvidence`, or SHIFTED_HISTORY_FIT's). */
  evidence: number;
};

/**
 * The region's history read from the map that holds the earlier save. The one found on another grid where the last
 * grid shows next to no history (fewer than MIN_HISTORY_FREQUENCIES frequencies), and beside a history there where
 * the shifted map keeps the earlier save more clearly around the region (a higher mean block LLR): after a crop
 * between the saves the last grid can still read a false history, while a photo resized and then saved twice on one
 * grid shows a weak lattice half a block over (the first JPEG's own blocks) beside a strong history on the last grid.
 * Else the last grid's map, as `historyReading` weighs it; undefined where it found no history at all.
 * docs/training-experiments.md, sessions 24 and 25.
 */
export function faceHistoryReading(
  history: JpegHistory,
  region: { x0: number; y0: number; x1: number; y1: number },
): FaceHistoryReading | undefined {
  const { map, shifted } = history;
  // The last grid's reading, read once: compared with the shifted save's below, and returned where that gives way.
  const aligned = map.frequencies.length > 0 ? historyReading(map, region) : undefined;
  if (shifted) {
    const features = historyFeatures(shifted.map, region);
    const around = (f: readonly number[] | undefined) => f?.[MEAN_AROUND_FEATURE] ?? Number.NEGATIVE_INFINITY;
    if (map.frequencies.length < MIN_HISTORY_FREQUENCIES || around(features) > around(aligned?.features))
      return {
        grid: 'shifted',
        map: shifted.map,
        compressionBreak: compressionBreak(shifted.map, region),
        evidence: combineHistoryFeatures(features, SHIFTED_HISTORY_FIT),
      };
  }
  if (!aligned) return undefined;
  return { grid: 'aligned', map, compressionBreak: compressionBreak(map, region), evidence: aligned.evidence };
}
