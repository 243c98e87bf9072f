import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoPng, tempDir, withExifThumbnail, withIptc } from './_internal/fixtures.ts';
import { editorsIn } from './editors.ts';
import { UndecodableImageError } from './errors.ts';
import { readMetadata } from './metadata.ts';

const XMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
 xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" xmp:CreatorTool="Adobe Photoshop 25.0 (Windows)">
<xmpMM:History><rdf:Seq>
<rdf:li stEvt:action="created" stEvt:softwareAgent="Adobe Photoshop 25.0 (Windows)" stEvt:when="2024-01-02T03:04:05+02:00"/>
<rdf:li rdf:parseType="Resource"><stEvt:action>saved</stEvt:action><stEvt:softwareAgent>Facetune2 iOS</stEvt:softwareAgent></rdf:li>
</rdf:Seq></xmpMM:History></rdf:Description></rdf:RDF></x:xmpmeta>`;

let files: Awaited<ReturnType<typeof tempDir>>;
let png: Uint8Array;

beforeAll(async () => {
  files = await tempDir();
  png = await photoPng(0, 400);
});
afterAll(() => files.cleanup());

describe('readMetadata', () => {
  it('reads make/model and flags a Software tag that names Photoshop', async () => {
    const jpeg = await files.write(
      'photoshop.jpg',
      await sharp(png)
        .withExif({
          IFD0: { Make: 'UnwarpCam', Model: 'X1', Software: 'Adobe Photoshop 25.0 (Windows)' },
          IFD2: { DateTimeOriginal: '2024:01:02 03:04:05', OffsetTimeOriginal: '+02:00' },
        })
        .jpeg({ quality: 85 })
        .toBuffer(),
    );
    const m = await readMetadata(jpeg);
    expect(m.format).toBe('jpeg');
    expect(m.camera).toMatchObject({ make: 'UnwarpCam', model: 'X1' });
    expect(m.software).toMatch(/^Adobe Photoshop 25\.0/);
    expect(m.editorHints).toContain('Adobe Photoshop');
    expect(m.warnings).toContain('The Software tag names Adobe Photoshop: the file was saved by an editor.');
    expect(m.captureTime).toMatchObject({
      original: '2024:01:02 03:04:05',
      offset: '+02:00',
      iso: '2024-01-02T03:04:05+02:00',
    });
    expect(m.orientation).toBe(1);
    expect(m.dimensions).toMatchObject({ actual: { width: 400, height: 400 }, mismatch: false });
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('gives no editor hint for camera firmware', async () => {
    const jpeg = await files.write(
      'camera.jpg',
      await sharp(png)
        .withExif({ IFD0: { Make: 'UnwarpCam', Model: 'X1', Software: 'X1 Firmware 1.02' } })
        .jpeg()
        .toBuffer(),
    );
    const m = await readMetadata(jpeg);
    expect(m.camera.make).toBe('UnwarpCam');
    expect(m.software).toBe('X1 Firmware 1.02');
    expect(m.editorHints).toEqual([]);
    expect(m.warnings.join(' ')).not.toMatch(/editor/);
  });

  it('reads XMP CreatorTool and edit history, naming every editor once', async () => {
    const jpeg = await files.write('xmp.jpg', await sharp(png).withXmp(XMP).jpeg().toBuffer());
    const m = await readMetadata(jpeg);
    expect(m.xmp?.creatorTool).toBe('Adobe Photoshop 25.0 (Windows)');
    expect(m.xmp?.history).toEqual([
      { action: 'created', softwareAgent: 'Adobe Photoshop 25.0 (Windows)', when: '2024-01-02T03:04:05+02:00' },
      { action: 'saved', softwareAgent: 'Facetune2 iOS', when: null },
    ]);
    expect(m.editorHints.sort()).toEqual(['Adobe Photoshop', 'Facetune']);
    expect(m.warnings.some((w) => w.includes('edit history lists 2 steps'))).toBe(true);
  });

  it('reads GPS coordinates with their hemisphere', async () => {
    const jpeg = await sharp(png)
      .withExif({
        IFD0: { Make: 'UnwarpCam' },
        IFD3: {
          GPSLatitudeRef: 'S',
          GPSLatitude: '33/1 52/1 0/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '151/1 12/1 36/1',
        },
      })
      .jpeg()
      .toBuffer();
    const m = await readMetadata(new Uint8Array(jpeg));
    expect(m.gps?.latitude).toBeCloseTo(-(33 + 52 / 60), 5);
    expect(m.gps?.longitude).toBeCloseTo(151 + 12 / 60 + 36 / 3600, 5);
  });

  it('compares the EXIF thumbnail with the picture', async () => {
    const main = new Uint8Array(await sharp(png).jpeg({ quality: 90 }).toBuffer());
    const same = new Uint8Array(await sharp(png).resize(160).jpeg({ quality: 70 }).toBuffer());
    const other = new Uint8Array(
      await sharp(await photoPng(3, 400))
        .resize(160, 160, { fit: 'fill' })
        .jpeg()
        .toBuffer(),
    );
    const ok = await readMetadata(await files.write('thumb-same.jpg', withExifThumbnail(main, same)));
    expect(ok.thumbnail.present).toBe(true);
    expect(ok.thumbnail.mismatch).toBe(false);
    expect(ok.thumbnail.difference).toBeLessThan(5);
    const bad = await readMetadata(await files.write('thumb-other.jpg', withExifThumbnail(main, other)));
    expect(bad.thumbnail.present).toBe(true);
    expect(bad.thumbnail.mismatch).toBe(true);
    expect(bad.thumbnail.difference).toBeGreaterThan(12);
    expect(bad.warnings.some((w) => w.includes('thumbnail does not match'))).toBe(true);
    const cropped = new Uint8Array(
      await sharp(png).extract({ left: 0, top: 0, width: 400, height: 250 }).jpeg().toBuffer(),
    );
    const crop = await readMetadata(withExifThumbnail(cropped, same));
    expect(crop.thumbnail.mismatch).toBe(true);
    expect(crop.warnings.some((w) => w.includes('different shape'))).toBe(true);
  });

  it('reads IPTC by-line and credit', async () => {
    const jpeg = withIptc(new Uint8Array(await sharp(png).jpeg().toBuffer()), 'Jane Doe', 'Unwarp Agency');
    const m = await readMetadata(jpeg);
    expect(m.iptc).toEqual({ byline: 'Jane Doe', credit: 'Unwarp Agency', copyright: null });
  });

  it('returns an empty but valid report for a PNG and a WebP without metadata', async () => {
    for (const [name, bytes] of [
      ['plain.png', png],
      ['plain.webp', new Uint8Array(await sharp(png).webp().toBuffer())],
    ] as const) {
      const m = await readMetadata(await files.write(name, bytes));
      expect(m.camera).toEqual({ make: null, model: null, lens: null });
      expect(m.software).toBeNull();
      expect(m.editorHints).toEqual([]);
      expect(m.gps).toBeNull();
      expect(m.xmp).toBeNull();
      expect(m.iptc).toBeNull();
      expect(m.thumbnail).toMatchObject({ present: false, mismatch: false });
      expect(m.dimensions.actual).toEqual({ width: 400, height: 400 });
      expect(m.warnings).toEqual([
        'No EXIF or XMP metadata. Many platforms strip it on upload, so its absence proves nothing.',
      ]);
    }
  });

  it('reads EXIF kept in a WebP', async () => {
    const webp = await sharp(png)
      .withExif({ IFD0: { Make: 'UnwarpCam', Software: 'Snapseed 2.0' } })
      .webp()
      .toBuffer();
    const m = await readMetadata(new Uint8Array(webp));
    expect(m.format).toBe('webp');
    expect(m.camera.make).toBe('UnwarpCam');
    expect(m.editorHints).toEqual(['Snapseed']);
  });

  it('throws UndecodableImageError for bytes that are not an image', async () => {
    await expect(readMetadata(new TextEncoder().encode('not an image at all'))).rejects.toBeInstanceOf(
      UndecodableImageError,
    );
  });
});

describe('editorsIn', () => {
  it('names the most specific editor only', () => {
    expect(editorsIn('Adobe Photoshop Lightroom Classic 13.0 (Windows)')).toEqual(['Adobe Lightroom']);
    expect(editorsIn('Adobe Photoshop Camera Raw 16.0')).toEqual(['Adobe Camera Raw']);
    expect(editorsIn('GIMP 2.10.34')).toEqual(['GIMP']);
    expect(editorsIn('FaceTune')).toEqual(['Facetune']);
    expect(editorsIn('Meitu XiuXiu')).toEqual(['Meitu']);
    expect(editorsIn('iOS 17.1')).toEqual([]);
    expect(editorsIn('HDR+ 1.0.540104767zd')).toEqual([]);
    expect(editorsIn(null)).toEqual([]);
  });
});
