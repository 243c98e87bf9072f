import { describe, expect, it } from 'vitest';
import { createEvidenceMap, paintEvidence } from './evidence.ts';

const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));

/** A 6 x 8 window map (stride 8, windows of 2 cells = 16 px) on a 64 x 48 network input, one hot window at (2, 5). */
function grid() {
  const rows = 6;
  const cols = 8;
  const logits = new Float32Array(rows * cols).fill(-2);
  logits[2 * cols + 5] = 3;
  return { logits, rows, cols, cells: 2, stride: 8 };
}

describe('paintEvidence', () => {
  it('paints the region only, peaks at the hot window, and maps its box back to image pixels', () => {
    const map = createEvidenceMap(200, 150);
    // The crop sits at (40, 30) in the image and is half the network's size: 32 x 24 px.
    const crop = { x: 40, y: 30, width: 32, height: 24 };
    const region = { x0: 8, y0: 8, x1: 60, y1: 44 };
    const hot = paintEvidence(map, grid(), crop, { width: 64, height: 48 }, region, sigmoid);
    expect(hot.probability).toBeCloseTo(sigmoid(3), 6);
    // Window (2, 5) covers network pixels x 40–56, y 16–32: image x 40 + 20…28, y 30 + 8…16.
    expect(hot.box).toEqual({ x: 60, y: 38, width: 8, height: 8 });
    let best = { p: -1, x: 0, y: 0 };
    for (let y = 0; y < map.height; y++)
      for (let x = 0; x < map.width; x++) {
        const p = map.data[y * map.width + x]!;
        const nx = (x - crop.x + 0.5) * 2;
        const ny = (y - crop.y + 0.5) * 2;
        const inRegion =
          x >= crop.x && x < crop.x + crop.width && y >= crop.y && y < crop.y + crop.height && nx >= 8 && nx < 60;
        if (!inRegion || ny < 8 || ny >= 44) {
          if (!Number.isNaN(p)) throw new Error(`painted outside the region at (${x}, ${y})`);
          continue;
        }
        expect(p).toBeGreaterThanOrEqual(sigmoid(-2) - 1e-6);
        if (p > best.p) best = { p, x, y };
      }
    // The hot window's centre: network (48, 24) = image (64, 42).
    expect(Math.abs(best.x - 64)).toBeLessThanOrEqual(1);
    expect(Math.abs(best.y - 42)).toBeLessThanOrEqual(1);
    // Pixel centres fall between window centres, so the peak is the bilinear blend, a little under the window's own.
    expect(best.p).toBeGreaterThan(sigmoid(1.5));
  });

  it('keeps the higher value where two faces overlap', () => {
    const map = createEvidenceMap(100, 100);
    const crop = { x: 0, y: 0, width: 64, height: 48 };
    const size = { width: 64, height: 48 };
    const region = { x0: 0, y0: 0, x1: 64, y1: 48 };
    const cold = { ...grid(), logits: new Float32Array(48).fill(-5) };
    paintEvidence(map, grid(), crop, size, region, sigmoid);
    const hotFirst = map.data.slice();
    paintEvidence(map, cold, crop, size, region, sigmoid);
    expect(map.data).toEqual(hotFirst);
    const other = createEvidenceMap(100, 100);
    paintEvidence(other, cold, crop, size, region, sigmoid);
    paintEvidence(other, grid(), crop, size, region, sigmoid);
    expect(other.data).toEqual(hotFirst);
    expect(map.data[24 * 100 + 48]).toBeGreaterThan(sigmoid(2));
    expect(Number.isNaN(map.data[99 * 100 + 99]!)).toBe(true);
  });
});
