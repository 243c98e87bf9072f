import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { photoPng } from './_internal/fixtures.ts';
import { runAids } from './aids.ts';
import { UndecodableImageError } from './errors.ts';

describe('runAids', () => {
  it('returns a JSON-serialisable report and two RGB maps for a JPEG', async () => {
    const jpeg = new Uint8Array(
      await sharp(await photoPng(1, 400))
        .withExif({ IFD0: { Make: 'UnwarpCam', Software: 'Adobe Photoshop 25.0' } })
        .jpeg({ quality: 75 })
        .toBuffer(),
    );
    const { report, images } = await runAids(jpeg);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.metadata.editorHints).toEqual(['Adobe Photoshop']);
    expect(report.contentCredentials).toMatchObject({ present: false, validated: null });
    expect(report.jpeg).toMatchObject({ quality: 75, standardTables: true, subsampling: '4:2:0' });
    expect(report.jpeg.doubleCompressionHint.suspected).toBe(false);
    for (const text of [
      report.metadata.howToRead,
      report.contentCredentials.howToRead,
      report.ela.howToRead,
      report.noise.howToRead,
      report.jpeg.howToRead,
    ])
      expect(text.length).toBeGreaterThan(40);
    expect(report.ela.quality).toBe(90);
    for (const img of [images.ela, images.noise]) {
      expect(img.channels).toBe(3);
      expect(img.data.length).toBe(img.width * img.height * 3);
      expect(img.width).toBe(report.analysis.mapWidth);
    }
    expect(report.analysis).toMatchObject({ width: 400, mapWidth: 400 });
  });

  it('keeps the maps within 2048 px for a large picture', async () => {
    const big = await sharp({
      create: {
        width: 2600,
        height: 600,
        channels: 3,
        background: '#556677',
        noise: { type: 'gaussian', mean: 120, sigma: 10 },
      },
    })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const { report, images } = await runAids(new Uint8Array(big));
    expect(report.analysis).toMatchObject({ width: 2600, height: 600, mapWidth: 2048 });
    expect(images.ela.width).toBe(2048);
    expect(images.noise.height).toBe(Math.round((600 * 2048) / 2600));
    expect(report.jpeg.quality).toBeNull();
    expect(report.jpeg.doubleCompressionHint.suspected).toBeNull();
  });

  it('throws UndecodableImageError only for bytes sharp cannot decode', async () => {
    await expect(runAids(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]))).rejects.toBeInstanceOf(
      UndecodableImageError,
    );
  });
});
