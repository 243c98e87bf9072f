import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { interleave, simulatedSamples } from './evaluate.ts';

type Rgb = { width: number; height: number; data: Uint8Array };
/** Mean absolute difference (0–255) of two images' 32 x 32 thumbnails. */
async function thumbnailDistance(a: Rgb, b: Rgb): Promise<number> {
  const thumb = (img: Rgb) =>
    sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
      .resize(32, 32, { fit: 'fill' })
      .raw()
      .toBuffer();
  const [x, y] = await Promise.all([thumb(a), thumb(b)]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}

const HELEN = path.resolve(import.meta.dirname, '../../../../shared/data/val/helen');
const TINY = path.resolve(import.meta.dirname, '../fixtures/tiny-model/model.json');

describe('interleave', () => {
  it('takes the pools in turn, then the rest of the longer ones, losing nothing', () => {
    expect(interleave([['a1', 'a2', 'a3', 'a4'], ['b1', 'b2'], ['c1']])).toEqual([
      'a1',
      'b1',
      'c1',
      'a2',
      'b2',
      'a3',
      'a4',
    ]);
    expect(interleave([['a1', 'a2']])).toEqual(['a1', 'a2']);
    expect(interleave([[], ['b1']])).toEqual(['b1']);
    expect(interleave([])).toEqual([]);
  });
});

describe.skipIf(!existsSync(HELEN))('simulatedSamples', () => {
  const read = async (offGrid: boolean, more: { resize?: boolean; resaveOnGrid?: boolean } = {}) => {
    const manifest = JSON.parse(await readFile(TINY, 'utf8'));
    const opts = { photoDirs: [HELEN], count: 8, seed: 3, jpegQuality: 90, offGrid, ...more };
    const out = [];
    for await (const s of (await simulatedSamples(opts, manifest)).samples) out.push(s);
    return out;
  };

  it('--off-grid: the same edits, exported off the earlier save grid, where only the shifted search finds it', async () => {
    const [plain, off] = [await read(false), await read(true)];
    expect(off.map((s) => s.label)).toEqual(plain.map((s) => s.label));
    // On the photo's grid the pool's own q92 save shows in the aligned map and no save is found on another grid.
    for (const s of plain) {
      expect(s.history).toBeDefined();
      expect(s.shiftedHistory).toBeUndefined();
    }
    // Off it, the earlier save (q70–90) is found on another grid for most photos (a q88–90 one can be too fine).
    expect(off.filter((s) => s.shiftedHistory).length).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it("resized first and saved twice on one grid (the study's grid-resized): the same edits, the face where it was", async () => {
    const [plain, resized] = [await read(false), await read(false, { resize: true, resaveOnGrid: true })];
    expect(resized.map((s) => s.label)).toEqual(plain.map((s) => s.label));
    for (const [i, s] of resized.entries()) {
      // Two saves on one grid: a history on the last grid.
      expect(s.history?.frequencies).toBeGreaterThanOrEqual(3);
      // The landmarks moved with the pixels: the crop shows the same face (32 x 32 thumbnails alike).
      expect(await thumbnailDistance(s.original, plain[i]!.original)).toBeLessThan(20);
    }
  }, 120_000);
});
