import { describe, expect, it } from 'vitest';
import { colormapColor, colormapLegend, colorWheelLegend, flowToColor, magnitudeHeatmap } from './color.ts';
import { createFlow, createImage, type FlowField } from './types.ts';

function one(u: number, v: number): FlowField {
  const W = createFlow(1, 1);
  W.data.set([u, v]);
  return W;
}

function rgb(W: FlowField, max?: number): number[] {
  return Array.from(flowToColor(W, max === undefined ? {} : { maxMagnitude: max }).data.subarray(0, 3));
}

/** Straight port of Middlebury computeColor.m (0..1 arithmetic, 1-based table), as an independent oracle. */
function referenceColor(u: number, v: number): number[] {
  const segs = [15, 6, 4, 11, 13, 6];
  const wheel: number[][] = [];
  for (let i = 0; i < segs[0]!; i++) wheel.push([255, Math.floor((255 * i) / 15), 0]);
  for (let i = 0; i < segs[1]!; i++) wheel.push([255 - Math.floor((255 * i) / 6), 255, 0]);
  for (let i = 0; i < segs[2]!; i++) wheel.push([0, 255, Math.floor((255 * i) / 4)]);
  for (let i = 0; i < segs[3]!; i++) wheel.push([0, 255 - Math.floor((255 * i) / 11), 255]);
  for (let i = 0; i < segs[4]!; i++) wheel.push([Math.floor((255 * i) / 13), 0, 255]);
  for (let i = 0; i < segs[5]!; i++) wheel.push([255, 0, 255 - Math.floor((255 * i) / 6)]);
  const ncols = wheel.length;
  const rad = Math.sqrt(u * u + v * v);
  const a = Math.atan2(-v, -u) / Math.PI;
  const fk = ((a + 1) / 2) * (ncols - 1) + 1;
  const k0 = Math.floor(fk);
  const k1 = k0 + 1 === ncols + 1 ? 1 : k0 + 1;
  const f = fk - k0;
  return [0, 1, 2].map((i) => {
    let col = (1 - f) * (wheel[k0 - 1]![i]! / 255) + f * (wheel[k1 - 1]![i]! / 255);
    col = rad <= 1 ? 1 - rad * (1 - col) : col * 0.75;
    return Math.floor(255 * col);
  });
}

describe('flowToColor (Middlebury wheel)', () => {
  it('maps the compass directions at full magnitude to the reference hues', () => {
    expect(rgb(one(1, 0), 1)).toEqual([255, 0, 0]); // right: red
    expect(rgb(one(0, 1), 1)).toEqual([255, 229, 0]); // down (+y): yellow
    expect(rgb(one(-1, 0), 1)).toEqual([0, 209, 255]); // left: cyan-blue
    expect(rgb(one(0, -1), 1)).toEqual([88, 0, 255]); // up: blue-violet
    expect(rgb(one(3, 0), 3)).toEqual([255, 0, 0]);
  });

  it('agrees with a port of computeColor.m for the diagonals and partial magnitudes', () => {
    const s = 0.7;
    const cases: [number, number][] = [
      [s, s],
      [-s, s],
      [-s, -s],
      [s, -s],
      [0.3, 0.1],
      [-0.05, 0.8],
      [0.9, -0.2],
      [1.5, 0.4],
    ];
    for (const [u, v] of cases) {
      const got = rgb(one(u, v), 1);
      const want = referenceColor(u, v);
      for (let i = 0; i < 3; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1);
    }
    // Sanity on the hues themselves: down-left green, up-right magenta.
    expect(rgb(one(-s, s), 1)[1]).toBeGreaterThan(200);
    expect(referenceColor(s, -s)[1]).toBeLessThan(100);
  });

  it('paints zero flow white and darkens out-of-range vectors', () => {
    expect(rgb(one(0, 0), 1)).toEqual([255, 255, 255]);
    expect(rgb(one(0, 0))).toEqual([255, 255, 255]);
    expect(rgb(one(2, 0), 1)).toEqual([191, 0, 0]);
  });

  it('defaults max to a robust percentile of at least 1 px', () => {
    const W = createFlow(100, 1);
    for (let i = 0; i < 99; i++) W.data[2 * i] = 4;
    W.data[198] = 1000; // one outlier must not wash out the rest
    const img = flowToColor(W);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(rgb(one(0.5, 0))).toEqual(rgb(one(0.5, 0), 1));
    expect(() => flowToColor(W, { maxMagnitude: 0 })).toThrow(RangeError);
  });

  it('draws a legend disc with white corners', () => {
    const legend = colorWheelLegend(21);
    expect(legend.channels).toBe(3);
    expect(Array.from(legend.data.subarray(0, 3))).toEqual([255, 255, 255]);
    expect(Array.from(legend.data.subarray(3 * (10 * 21 + 10), 3 * (10 * 21 + 10) + 3))).toEqual([255, 255, 255]);
    const right = 3 * (10 * 21 + 20);
    expect(legend.data[right]).toBe(255);
    expect(legend.data[right + 1]! + legend.data[right + 2]!).toBeLessThan(40);
  });
});

describe('magnitudeHeatmap', () => {
  const photo = createImage(4, 1, 3, new Uint8ClampedArray([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]));

  it('leaves the photo unchanged where the flow is zero or below min', () => {
    const W = createFlow(4, 1);
    W.data[6] = 0.5; // exactly min: still unchanged
    expect(Array.from(magnitudeHeatmap(photo, W).data)).toEqual(Array.from(photo.data));
    const grey = createImage(4, 1, 1, new Uint8Array([5, 6, 7, 8]));
    expect(Array.from(magnitudeHeatmap(grey, createFlow(4, 1)).data)).toEqual([5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8]);
    const rgba = createImage(1, 1, 4, new Uint8Array([1, 2, 3, 0]));
    expect(Array.from(magnitudeHeatmap(rgba, createFlow(1, 1)).data)).toEqual([1, 2, 3]);
  });

  it('shows the top colormap colour for a large magnitude and blends in between', () => {
    const W = createFlow(4, 1);
    W.data.set([100, 0, 0, -9, 3.75, 0, 0, 0]);
    const out = magnitudeHeatmap(photo, W);
    const top = colormapColor(1, 'turbo');
    expect(Array.from(out.data.subarray(0, 3))).toEqual(top);
    expect(Array.from(out.data.subarray(3, 6))).toEqual(top);
    expect(top[0]).toBeGreaterThan(100); // turbo ends in dark red
    expect(top[0]).toBeGreaterThan(4 * top[2]);
    // |W| = 3.75 is half way: alpha = 0.5^0.7.
    const alpha = 0.5 ** 0.7;
    const mid = colormapColor(0.5, 'turbo');
    for (let k = 0; k < 3; k++)
      expect(Math.abs(out.data[6 + k]! - (photo.data[6 + k]! * (1 - alpha) + mid[k]! * alpha))).toBeLessThanOrEqual(
        0.5,
      );
    const jet = magnitudeHeatmap(photo, W, { colormap: 'jet', opacity: 0.5 });
    expect(jet.data[0]).toBe(Math.round(10 * 0.5 + 128 * 0.5));
  });

  it('rejects mismatched sizes and bad ranges', () => {
    expect(() => magnitudeHeatmap(photo, createFlow(3, 1))).toThrow(RangeError);
    expect(() => magnitudeHeatmap(photo, createFlow(4, 1), { min: 2, max: 2 })).toThrow(RangeError);
  });
});

describe('colormapLegend', () => {
  it('ramps from the bottom to the top colour on every row', () => {
    const img = colormapLegend(16, 3, { colormap: 'jet' });
    expect(Array.from(img.data.subarray(0, 3))).toEqual(colormapColor(0, 'jet'));
    expect(Array.from(img.data.subarray(3 * 15, 3 * 16))).toEqual(colormapColor(1, 'jet'));
    expect(colormapColor(0, 'jet')).toEqual([0, 0, 128]);
    expect(colormapColor(1, 'jet')).toEqual([128, 0, 0]);
    expect(Array.from(img.data.subarray(3 * 16 * 2, 3 * 16 * 2 + 3))).toEqual(colormapColor(0, 'jet'));
  });
});
