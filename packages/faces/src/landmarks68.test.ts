import { describe, expect, it } from 'vitest';
import { landmarks68FromMesh, MESH_TO_68, regionsFrom68 } from './landmarks68.ts';
import type { Point } from './types.ts';

const ids = (pts: Point[]) => pts.map((p) => p[0]);

describe('regionsFrom68', () => {
  const pts = Array.from({ length: 68 }, (_, i): Point => [i, -i]);
  const r = regionsFrom68(pts);

  it('splits the iBUG/300-W index ranges', () => {
    expect(ids(r.jaw)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(ids(r.rightBrow)).toEqual([17, 18, 19, 20, 21]);
    expect(ids(r.leftBrow)).toEqual([22, 23, 24, 25, 26]);
    expect(ids(r.nose)).toEqual([27, 28, 29, 30, 31, 32, 33, 34, 35]);
    expect(ids(r.rightEye)).toEqual([36, 37, 38, 39, 40, 41]);
    expect(ids(r.leftEye)).toEqual([42, 43, 44, 45, 46, 47]);
    expect(ids(r.mouth)).toEqual(Array.from({ length: 20 }, (_, i) => 48 + i));
  });

  it('closes the outline through the brows, back from left to right', () => {
    expect(ids(r.outline)).toEqual([...ids(r.jaw), 26, 25, 24, 23, 22, 21, 20, 19, 18, 17]);
  });

  it('copies points, so editing a region leaves the input alone', () => {
    r.nose[0]![0] = 999;
    expect(pts[27]).toEqual([27, -27]);
  });

  it('rejects other point counts', () => {
    expect(() => regionsFrom68(pts.slice(1))).toThrow(/expected 68/);
  });
});

describe('landmarks68FromMesh', () => {
  it('has one entry of one or two valid vertices per 300-W point', () => {
    expect(MESH_TO_68).toHaveLength(68);
    for (const e of MESH_TO_68) {
      expect(e.length === 1 || e.length === 2).toBe(true);
      for (const v of e) expect(v >= 0 && v < 468).toBe(true);
    }
  });

  it('takes the listed vertex, or the midpoint of two', () => {
    const mesh = Array.from({ length: 478 }, (_, i) => [i, 2 * i, 0.5]);
    const out = landmarks68FromMesh(mesh);
    for (let k = 0; k < 68; k++) {
      const e = MESH_TO_68[k]!;
      const x = e.reduce((s, v) => s + v, 0) / e.length;
      expect(out[k]).toEqual([x, 2 * x]);
    }
    expect(() => landmarks68FromMesh(mesh.slice(0, 100))).toThrow(/468/);
  });
});
