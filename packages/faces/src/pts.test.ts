import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from './_internal/testdata.ts';
import { listLandmarkedPhotos, onePerPhoto, readPts } from './pts.ts';

const data = sharedData(import.meta.url);
const lines = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}.5 ${2 * i + 1}`);

describe('readPts', () => {
  it('reads the original 300-W layout and makes coordinates 0-based', () => {
    const text = ['version: 1', 'n_points:  68', '{', ...lines(68), '}', ''].join('\r\n');
    const pts = readPts(text);
    expect(pts).toHaveLength(68);
    expect(pts[0]).toEqual([0.5, 0]);
    expect(pts[67]).toEqual([67.5, 134]);
  });

  it('reads the bare 68-line layout of the shared pools', () => {
    expect(readPts(lines(68).join('\n'))[10]).toEqual([10.5, 20]);
  });

  it.each([
    ['too few points', lines(67).join('\n'), /expected 68 points, found 67/],
    ['header count mismatch', ['version: 1', 'n_points: 68', '{', ...lines(67), '}'].join('\n'), /header says 68/],
    ['no closing brace', ['version: 1', 'n_points: 68', '{', ...lines(68)].join('\n'), /between "\{" and "\}"/],
    ['bad number', [...lines(67), '12.0 abc'].join('\n'), /point 68 is "12.0 abc"/],
    ['three columns', [...lines(67), '1 2 3'].join('\n'), /point 68/],
    ['bad n_points line', ['version: 1', 'points: 68'].join('\n'), /n_points/],
    ['empty', '', /found 0/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => readPts(text)).toThrow(message);
  });

  it.skipIf(!data.dir)(`parses a real Helen annotation${data.skipNote}`, async () => {
    const text = await readFile(path.join(data.dir!, 'val/helen/296814969_3.pts'), 'utf8');
    const pts = readPts(text);
    expect(pts).toHaveLength(68);
    expect(pts[0]![0]).toBeCloseTo(250.829, 3);
    expect(pts[0]![1]).toBeCloseTo(333.278, 3);
    // Subject's right eye (36) is on the left of the picture.
    expect(pts[36]![0]).toBeLessThan(pts[45]![0]);
  });
});

describe('listLandmarkedPhotos / onePerPhoto', () => {
  it('lists images that have a .pts beside them, recursively, grouping 300-W copies by photo id', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'unwarp-pts-'));
    try {
      await mkdir(path.join(dir, 'pool'));
      for (const f of ['100_1.jpg', '100_1.pts', '100_2.jpg', '100_2.pts', '200_1.png', '200_1.pts', 'lonely.jpg'])
        await writeFile(path.join(dir, 'pool', f), '');
      const refs = await listLandmarkedPhotos([dir]);
      expect(refs.map((r) => r.id)).toEqual(['pool/100_1', 'pool/100_2', 'pool/200_1']);
      expect(refs.map((r) => r.photoId)).toEqual(['pool/100', 'pool/100', 'pool/200']);
      expect(refs[2]!.ptsPath).toBe(path.join(dir, 'pool', '200_1.pts'));
      expect(onePerPhoto(refs).map((r) => r.id)).toEqual(['pool/100_1', 'pool/200_1']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
