import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from './_internal/testdata.ts';
import { ImageDecodeError, loadUpright } from './image.ts';

const data = sharedData(import.meta.url);
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'unwarp-faces-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as ImageDecodeError).retry).toBe(false);
    return (err as ImageDecodeError).code;
  }
  throw new Error('expected an ImageDecodeError');
}

/** A 3x2 RGBA PNG: left column transparent, so flattening must paint it white. */
async function smallPng(): Promise<Buffer> {
  const px = [0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 0, 0, 0, 255, 0, 255, 10, 20, 30, 255];
  return sharp(Buffer.from(px), { raw: { width: 3, height: 2, channels: 4 } })
    .png()
    .toBuffer();
}

describe('loadUpright', () => {
  it('flattens alpha onto white and returns packed RGB', async () => {
    const img = await loadUpright(await smallPng());
    expect(img).toMatchObject({ width: 3, height: 2, channels: 3, orientation: 1 });
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(img.data)).toEqual([255, 255, 255, 255, 0, 0, 0, 0, 255, 255, 255, 255, 0, 255, 0, 10, 20, 30]);
  });

  it('turns greyscale and 16-bit input into 8-bit RGB', async () => {
    const grey = await sharp(Buffer.from([0, 128, 255, 64]), { raw: { width: 2, height: 2, channels: 1 } })
      .png()
      .toBuffer();
    expect(Array.from((await loadUpright(grey)).data)).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255, 64, 64, 64]);
    const deep = await sharp(Buffer.from([0, 128, 255, 64]), { raw: { width: 2, height: 2, channels: 1 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    const img = await loadUpright(deep);
    expect(img.data.length).toBe(2 * 2 * 3);
    expect(img.data[3]).toBeGreaterThan(120);
    expect(img.data[3]).toBeLessThan(136);
  });

  it('applies EXIF orientation 6 (stored on its side, shown upright)', async () => {
    // Upright 3 wide x 2 high; stored rotated a quarter turn counter-clockwise, orientation 6 turns it back.
    const upright = Buffer.from([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6].map((v) => v * 40));
    const stored = await sharp(upright, { raw: { width: 3, height: 2, channels: 3 } })
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .png()
      .toBuffer();
    expect((await sharp(stored).metadata()).width).toBe(2);
    const img = await loadUpright(stored);
    expect(img).toMatchObject({ width: 3, height: 2, orientation: 6 });
    expect(Buffer.from(img.data).equals(upright)).toBe(true);
  });

  it('says "empty" for a zero-byte buffer and a zero-byte file', async () => {
    expect(await codeOf(loadUpright(Buffer.alloc(0)))).toBe('empty');
    const f = path.join(tmp, 'empty.jpg');
    await writeFile(f, Buffer.alloc(0));
    expect(await codeOf(loadUpright(f))).toBe('empty');
  });

  it('says "not-found" for a missing file', async () => {
    expect(await codeOf(loadUpright(path.join(tmp, 'missing.jpg')))).toBe('not-found');
  });

  it('says "unsupported" for random bytes and for text', async () => {
    expect(await codeOf(loadUpright(randomBytes(4096)))).toBe('unsupported');
    expect(await codeOf(loadUpright(Buffer.from('<html>not a photo</html>')))).toBe('unsupported');
  });

  it('says "corrupt" for a truncated JPEG', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    expect(await codeOf(loadUpright(jpeg.subarray(0, Math.floor(jpeg.length / 2))))).toBe('corrupt');
  });

  it('says "too-large" above the pixel limit, before decoding', async () => {
    const png = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect(await codeOf(loadUpright(png, { maxPixels: 9_999 }))).toBe('too-large');
    expect((await loadUpright(png, { maxPixels: 10_000 })).width).toBe(100);
  });

  it.skipIf(!data.dir)(`decodes a real JPEG from disk and from a buffer alike${data.skipNote}`, async () => {
    const file = path.join(data.dir!, 'val/helen/296814969_3.jpg');
    const a = await loadUpright(file);
    const b = await loadUpright(await readFile(file));
    expect(a.data.length).toBe(a.width * a.height * 3);
    expect(a.width).toBe((await sharp(file).metadata()).width);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
  });
});
