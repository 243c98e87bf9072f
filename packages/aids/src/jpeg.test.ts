import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoPng, tempDir } from './_internal/fixtures.ts';
import { doubleCompressionHint, estimateJpegQuality, ijgTable } from './jpeg.ts';

let files: Awaited<ReturnType<typeof tempDir>>;
let png: Uint8Array;

beforeAll(async () => {
  files = await tempDir();
  png = await photoPng(1, 480);
});
afterAll(() => files.cleanup());

describe('ijgTable', () => {
  it('matches libjpeg scaling at 50 (the Annex K table itself) and 100 (all ones)', () => {
    expect(ijgTable([16, 11, 10, 255], 50)).toEqual([16, 11, 10, 255]);
    expect(ijgTable([16, 11, 10, 255], 100)).toEqual([1, 1, 1, 1]);
    expect(ijgTable([16], 75)).toEqual([8]);
    expect(ijgTable([16], 10)).toEqual([80]);
  });
});

describe('estimateJpegQuality', () => {
  it.each([50, 75, 90, 95])('recovers quality %i from the DQT tables', async (quality) => {
    const jpeg = await files.write(`q${quality}.jpg`, await sharp(png).jpeg({ quality }).toBuffer());
    const est = estimateJpegQuality(jpeg);
    expect(est.quality).not.toBeNull();
    expect(Math.abs((est.quality ?? 0) - quality)).toBeLessThanOrEqual(5);
    expect(est.standardTables).toBe(true);
    expect(est.tables).toHaveLength(2);
    expect(est.tables[0]).toHaveLength(64);
    expect(est.subsampling).toBe('4:2:0');
    expect(est.progressive).toBe(false);
  });

  it('reads 4:4:4 subsampling and progressive frames', async () => {
    const jpeg = new Uint8Array(
      await sharp(png).jpeg({ quality: 80, chromaSubsampling: '4:4:4', progressive: true }).toBuffer(),
    );
    expect(estimateJpegQuality(jpeg)).toMatchObject({ quality: 80, subsampling: '4:4:4', progressive: true });
  });

  it('reports no quality for a PNG', () => {
    expect(estimateJpegQuality(png)).toEqual({ quality: null, standardTables: false, tables: [] });
  });
});

describe('doubleCompressionHint', () => {
  it('stays quiet on a single save and speaks up on a second save at a higher quality', async () => {
    const single = await files.write('single.jpg', await sharp(png).jpeg({ quality: 90 }).toBuffer());
    const first = await sharp(png).jpeg({ quality: 60 }).toBuffer();
    const double = await files.write('double.jpg', await sharp(first).jpeg({ quality: 90 }).toBuffer());
    const a = await doubleCompressionHint(single);
    const b = await doubleCompressionHint(double);
    expect(a.suspected).toBe(false);
    expect(b.suspected).toBe(true);
    expect(b.score as number).toBeGreaterThan(3 * (a.score as number));
  });

  it('says it cannot tell for a PNG', async () => {
    expect(await doubleCompressionHint(png)).toMatchObject({ suspected: null, score: null });
  });
});
