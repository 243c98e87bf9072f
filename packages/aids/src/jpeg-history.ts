import { type DoubleJpegMap, doubleJpegMap } from './dq-map.ts';
import { type ShiftedHistory, shiftedJpegHistory } from './shifted-history.ts';

/**
 * Below this many frequencies of an earlier save on the last save's grid, the other grids are searched: after a crop
 * off the grid between the saves the aligned map finds none, or a stray one (shifted-history.test.ts).
 */
export const SHIFTED_SEARCH_BELOW = 3;

/** A JPEG's history as the pipeline reads it: the map on the last save's grid, and an earlier save on another grid. */
export type JpegHistory = { map: DoubleJpegMap; shifted?: ShiftedHistory };

/**
 * `doubleJpegMap` of the decoded luma, and where it shows (next to) no earlier save, `shiftedJpegHistory`'s search of
 * the other grids. `steps`: the last save's luma table from the header, where there is one; `rgb`: the decoded pixels
 * (interleaved), so the shifted map skips blocks with a clipped channel too; `searchAlways`: search whatever the
 * aligned map shows (the studies: after a crop between the saves the last grid can show a false history of 3 or more
 * frequencies, docs/training-experiments.md session 24).
 */
export function readJpegHistory(
  luma: Float32Array,
  width: number,
  height: number,
  opts: { steps?: readonly number[]; rgb?: Uint8Array; searchAlways?: boolean } = {},
): JpegHistory {
  const map = doubleJpegMap(luma, width, height, opts.steps ? { steps: opts.steps } : {});
  const shifted =
    opts.searchAlways || map.frequencies.length < SHIFTED_SEARCH_BELOW
      ? shiftedJpegHistory(luma, width, height, { x: map.offsetX, y: map.offsetY }, opts.rgb ? { rgb: opts.rgb } : {})
      : undefined;
  return shifted ? { map, shifted } : { map };
}
