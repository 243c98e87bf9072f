import { readFile } from 'node:fs/promises';
import { createFaceDetector, type FaceDetector } from '@unwarp/faces';
import { endpointError } from '@unwarp/flow';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editedPhoto, encodePng, hasData, PHOTOS, photoPath, psnrIn } from './_internal/testing.ts';
import { renderComparisonArtifacts } from './artifacts.ts';
import { ComparisonError, compareWithOriginal } from './compare.ts';
import { ComparisonReportSchema } from './report.ts';

describe.skipIf(!hasData())('compareWithOriginal (real photo, Face-Aware edit)', () => {
  let faces: FaceDetector;
  let edit: Awaited<ReturnType<typeof editedPhoto>>;
  let editedJpeg: Buffer;
  beforeAll(async () => {
    faces = await createFaceDetector();
    edit = await editedPhoto(PHOTOS.portrait);
    // The edited photo as a user gets it: re-saved as a JPEG.
    editedJpeg = await sharp(await encodePng(edit.modified))
      .jpeg({ quality: 92 })
      .toBuffer();
  });
  afterAll(() => faces?.dispose());

  it('measures the warp to a fraction of a pixel and undoes it', async () => {
    const original = await readFile(photoPath(PHOTOS.portrait));
    const c = await compareWithOriginal(editedJpeg, original, { faces, editedName: 'edited.jpg' });
    expect(() => ComparisonReportSchema.parse(c.report)).not.toThrow();
    const epe = endpointError(c.flow, edit.W, { minGtMagnitude: 1 });
    const zero = endpointError({ ...edit.W, data: new Float32Array(edit.W.data.length) }, edit.W, {
      minGtMagnitude: 1,
    });
    expect(epe.count).toBeGreaterThan(1000);
    // Measured EPE is a small fraction of the warp itself (zero-flow error).
    expect(epe.mean).toBeLessThan(0.3 * zero.mean);
    expect(c.report.displacement.max).toBeGreaterThan(3);
    expect(c.report.residual.after).toBeLessThan(c.report.residual.before / 2);
    expect(c.report.psnr.recoveredVsOriginal).toBeGreaterThan(c.report.psnr.editedVsOriginal + 3);
    // The regions the sliders moved show it: eyes and jaw moved, by more than the nose.
    const regions = c.report.faces[0]!.regions;
    expect(regions.leftEye!.max).toBeGreaterThan(1);
    expect(regions.jaw!.max).toBeGreaterThan(1);
    expect(c.report.edited).toMatchObject({ file: 'edited.jpg', format: 'jpeg', width: edit.original.width });
    // The recovered face is closer to the original than the edited one, where the edit was.
    const box = c.report.faces[0]!.box;
    expect(psnrIn(edit.original, c.recovered, box)).toBeGreaterThan(psnrIn(edit.original, c.image, box) + 3);
    const artifacts = await renderComparisonArtifacts(c);
    expect(Object.keys(artifacts).sort()).toEqual(
      ['compare.png', 'flow.flo', 'flow.png', 'heatmap.png', 'recovered.png', 'report.json'].sort(),
    );
  });

  it('finds no warp between a photo and a re-saved copy at another size', async () => {
    const original = await readFile(photoPath(PHOTOS.portrait));
    const smaller = await sharp(original).resize({ width: 600 }).jpeg({ quality: 85 }).toBuffer();
    const c = await compareWithOriginal(smaller, original);
    expect(c.report.displacement.p95).toBeLessThan(0.3);
    expect(c.report.movedShare).toBeLessThan(0.02);
    expect(c.report.warnings.join(' ')).toMatch(/resized to the edited photo's 600 x/);
    expect(c.report.faces).toEqual([]);
  });

  it('refuses photos framed differently, and images too small', async () => {
    const original = await readFile(photoPath(PHOTOS.portrait));
    const cropped = await sharp(original).extract({ left: 0, top: 0, width: 300, height: 200 }).png().toBuffer();
    await expect(compareWithOriginal(cropped, original)).rejects.toThrow(ComparisonError);
    await expect(compareWithOriginal(cropped, original)).rejects.toThrow(/framed differently/);
    const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    await expect(compareWithOriginal(tiny, tiny)).rejects.toThrow(/too small to compare/);
  });
});
