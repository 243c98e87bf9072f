import { describe, expect, it } from 'vitest';
import { faceAwareWarp, faceGeometry, SLIDERS, sliderWarp } from './face-aware.ts';
import { movePoint, type Point, rasterize } from './warp.ts';

// A synthetic frontal face in 300-W order, 300 px wide jaw: enough structure for every slider.
function syntheticFace(): Point[] {
  const pts: Point[] = [];
  for (let i = 0; i <= 16; i++) {
    const a = Math.PI * (i / 16);
    pts.push([250 - 150 * Math.cos(a), 250 + 170 * Math.sin(a) - 40]);
  }
  for (let i = 0; i < 5; i++) pts.push([150 + i * 20, 180 - (i === 2 ? 8 : 0)]);
  for (let i = 0; i < 5; i++) pts.push([270 + i * 20, 180 - (i === 2 ? 8 : 0)]);
  for (let i = 0; i < 4; i++) pts.push([250, 200 + i * 20]);
  for (let i = 0; i < 5; i++) pts.push([230 + i * 10, 285]);
  const eye = (cx: number): Point[] => [
    [cx - 20, 210],
    [cx - 8, 202],
    [cx + 8, 202],
    [cx + 20, 210],
    [cx + 8, 216],
    [cx - 8, 216],
  ];
  pts.push(...eye(190), ...eye(310));
  const mouth: Point[] = [
    [215, 330],
    [228, 322],
    [240, 318],
    [250, 320],
    [260, 318],
    [272, 322],
    [285, 330],
    [272, 342],
    [260, 346],
    [250, 347],
    [240, 346],
    [228, 342],
  ];
  pts.push(...mouth);
  pts.push([222, 330], [240, 327], [250, 328], [260, 327], [278, 330], [260, 334], [250, 335], [240, 334]);
  return pts;
}

const lm = syntheticFace();
const g = faceGeometry(lm);
const width = (w: ReturnType<typeof sliderWarp>, a: number, b: number) => {
  const p = movePoint(w, lm[a]!);
  const q = movePoint(w, lm[b]!);
  return Math.hypot(p[0] - q[0], p[1] - q[1]);
};
const d = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

describe('face-aware sliders', () => {
  it('has the 68-point geometry right', () => {
    expect(lm).toHaveLength(68);
    expect(g.faceWidth).toBeCloseTo(300, 0);
    expect(g.rightEye.center[0]).toBeLessThan(g.leftEye.center[0]);
  });

  it('eye size +50 widens both eye openings by ~15%, −50 narrows them', () => {
    const before = d(lm[36]!, lm[39]!);
    const bigger = width(sliderWarp(g, { slider: 'eyeSize', value: 50 }), 36, 39);
    const smaller = width(sliderWarp(g, { slider: 'eyeSize', value: -50 }), 36, 39);
    expect(bigger / before).toBeGreaterThan(1.08);
    expect(bigger / before).toBeLessThan(1.2);
    expect(smaller / before).toBeLessThan(0.93);
    // Linked: the other eye changes too; unlinked leaves it alone.
    expect(width(sliderWarp(g, { slider: 'eyeSize', value: 50 }), 42, 45) / before).toBeGreaterThan(1.08);
    expect(width(sliderWarp(g, { slider: 'eyeSize', value: 50, eye: 'right' }), 42, 45)).toBeCloseTo(before, 6);
  });

  it('jawline −50 moves the lower jaw landmarks inward by ~1.5% of the face width', () => {
    const w = sliderWarp(g, { slider: 'jawline', value: -50 });
    const l = movePoint(w, lm[5]!);
    const r = movePoint(w, lm[11]!);
    expect(l[0] - lm[5]![0]).toBeGreaterThan(0.01 * g.faceWidth); // subject's right jaw (picture left) moves right
    expect(lm[11]![0] - r[0]).toBeGreaterThan(0.01 * g.faceWidth);
    expect(l[0] - lm[5]![0]).toBeLessThan(0.03 * g.faceWidth);
  });

  it.each([
    ['eyeHeight', 50, 37, 'y', -1],
    ['noseHeight', 60, 30, 'y', -1],
    ['chinHeight', 60, 8, 'y', 1],
    ['smile', 60, 48, 'y', -1],
    ['upperLip', 60, 51, 'y', -1],
    ['lowerLip', 60, 57, 'y', 1],
    ['eyeDistance', 60, 45, 'x', 1],
    ['faceWidth', 60, 14, 'x', 1],
  ] as const)('%s +%i moves landmark %i along %s the intended way', (slider, value, index, axis, sign) => {
    const k = axis === 'x' ? 0 : 1;
    const moved = movePoint(sliderWarp(g, { slider, value }), lm[index]!)[k] - lm[index]![k];
    expect(Math.sign(moved)).toBe(sign);
    expect(Math.abs(moved)).toBeGreaterThan(0.5);
    expect(Math.abs(moved)).toBeLessThan(0.06 * g.faceWidth);
    const back = movePoint(sliderWarp(g, { slider, value: -value }), lm[index]!)[k] - lm[index]![k];
    expect(Math.sign(back)).toBe(-sign);
  });

  it('nose, mouth width and height scale their regions', () => {
    const nose = d(lm[31]!, lm[35]!);
    expect(width(sliderWarp(g, { slider: 'noseWidth', value: -60 }), 31, 35)).toBeLessThan(nose * 0.95);
    const mouth = d(lm[48]!, lm[54]!);
    expect(width(sliderWarp(g, { slider: 'mouthWidth', value: 60 }), 48, 54)).toBeGreaterThan(mouth * 1.03);
    const open = d(lm[51]!, lm[57]!);
    expect(width(sliderWarp(g, { slider: 'mouthHeight', value: 60 }), 51, 57)).toBeGreaterThan(open * 1.03);
  });

  it('forehead +80 raises the forehead above the brows, not the brows', () => {
    const w = sliderWarp(g, { slider: 'forehead', value: 80 });
    const p: Point = [g.browCenter[0], g.browCenter[1] - 0.3 * g.faceWidth];
    expect(movePoint(w, p)[1] - p[1]).toBeLessThan(-0.02 * g.faceWidth);
    expect(Math.abs(movePoint(w, lm[19]!)[1] - lm[19]![1])).toBeLessThan(0.5);
  });

  it('eye tilt rotates the eye corners in opposite directions', () => {
    const w = sliderWarp(g, { slider: 'eyeTilt', value: 60, eye: 'left' });
    const outer = movePoint(w, lm[45]!);
    const inner = movePoint(w, lm[42]!);
    expect(outer[1] - lm[45]![1]).toBeLessThan(-0.5);
    expect(inner[1] - lm[42]![1]).toBeGreaterThan(0.5);
  });

  it('every slider at ±100 keeps displacements within 1–15% of the face width and W exactly zero far away', () => {
    for (const slider of SLIDERS) {
      for (const value of [-100, 100]) {
        // The face sits in the middle of a 1100 x 1200 canvas, so the margins are far from every region.
        const W = rasterize(faceAwareWarp(lm, [{ slider, value }]), 1100, 1200, [-300, -300]);
        let peak = 0;
        for (let i = 0; i < W.data.length; i += 2) peak = Math.max(peak, Math.hypot(W.data[i]!, W.data[i + 1]!));
        expect(peak, slider).toBeGreaterThan(0.005 * g.faceWidth);
        expect(peak, slider).toBeLessThan(0.15 * g.faceWidth);
        // Corners and a wide margin around the face never move.
        for (const [x, y] of [
          [0, 0],
          [1099, 0],
          [0, 1199],
          [1099, 1199],
          [30, 600],
          [1070, 600],
          [550, 1190],
        ]) {
          const i = 2 * (y! * 1100 + x!);
          expect(W.data[i], `${slider} at ${x},${y}`).toBe(0);
          expect(W.data[i + 1]).toBe(0);
        }
      }
    }
  });
});
