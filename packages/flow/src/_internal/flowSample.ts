import type { FlowField } from '../types.ts';

/** Bilinear sample of a flow field at (x, y), clamped to the grid (NaN coordinates read the corner). */
export function sampleFlowBilinear(W: FlowField, x: number, y: number, out: Float64Array): void {
  const { width: w, height: h, data: f } = W;
  const xm = w - 1;
  const ym = h - 1;
  x = x > 0 ? (x < xm ? x : xm) : 0;
  y = y > 0 ? (y < ym ? y : ym) : 0;
  const x0 = x | 0;
  const y0 = y | 0;
  const tx = x - x0;
  const ty = y - y0;
  const j00 = 2 * (y0 * w + x0);
  const j10 = x0 < xm ? j00 + 2 : j00;
  const j01 = y0 < ym ? j00 + 2 * w : j00;
  const j11 = x0 < xm ? j01 + 2 : j01;
  const w00 = (1 - tx) * (1 - ty);
  const w10 = tx * (1 - ty);
  const w01 = (1 - tx) * ty;
  const w11 = tx * ty;
  out[0] = (f[j00] as number) * w00 + (f[j10] as number) * w10 + (f[j01] as number) * w01 + (f[j11] as number) * w11;
  out[1] =
    (f[j00 + 1] as number) * w00 +
    (f[j10 + 1] as number) * w10 +
    (f[j01 + 1] as number) * w01 +
    (f[j11 + 1] as number) * w11;
}
