import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { c2paApp11Payload, insertJpegSegment, photoPng, signC2paTestJpeg, tempDir } from './_internal/fixtures.ts';
import { findEmbeddedC2pa, readContentCredentials } from './c2pa.ts';

let files: Awaited<ReturnType<typeof tempDir>>;
let jpeg: Uint8Array;
let signed: Uint8Array | null;

beforeAll(async () => {
  files = await tempDir();
  jpeg = await files.write(
    'plain.jpg',
    await sharp(await photoPng(0, 320))
      .jpeg({ quality: 85 })
      .toBuffer(),
  );
  signed = await signC2paTestJpeg(jpeg, files.dir);
  if (signed) signed = await files.write('signed.jpg', signed);
});
afterAll(() => files.cleanup());

describe('readContentCredentials', () => {
  it('says plainly that a plain JPEG and PNG carry none', async () => {
    for (const bytes of [jpeg, await photoPng(0, 64)]) {
      const r = await readContentCredentials(bytes);
      expect(r).toEqual({ present: false, validated: null, reason: expect.stringMatching(/^No Content Credentials/) });
    }
    expect(findEmbeddedC2pa(jpeg)).toBeNull();
  });

  it('detects a hand-made APP11 JUMBF box labelled c2pa and reports it as unreadable', async () => {
    const fake = insertJpegSegment(jpeg, 0xeb, c2paApp11Payload());
    expect(findEmbeddedC2pa(fake)).toBe('jpeg-app11');
    const r = await readContentCredentials(fake);
    expect(r.present).toBe(true);
    expect(r.validated).toBe(false);
    expect(r.reason).toMatch(/could not be read/);
    // a JUMBF box with another label is not C2PA
    expect(findEmbeddedC2pa(insertJpegSegment(jpeg, 0xeb, c2paApp11Payload('jpxx')))).toBeNull();
  });

  it('detects a PNG caBX chunk', () => {
    const png = Uint8Array.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0x63, 0x61, 0x42, 0x58, 0, 0, 0, 0,
    ]);
    expect(findEmbeddedC2pa(png)).toBe('png-caBX');
  });

  it('reads and validates a real signed manifest offline', async (ctx) => {
    if (!signed) return ctx.skip('openssl CLI not available to make a test certificate');
    expect(findEmbeddedC2pa(signed)).toBe('jpeg-app11');
    const r = await readContentCredentials(signed);
    expect(r).toMatchObject({
      present: true,
      validated: true,
      validationState: 'Valid',
      signer: 'Unwarp Tests (Unwarp Test Signer)',
      claimGenerator: 'unwarp-aids-test 0.1',
    });
    expect(r.actions).toEqual(['c2pa.created', 'c2pa.edited']);
    expect(r.reason).toMatch(/not checked against a trust list/);
  });

  it('fails validation when the pixels change after signing', async (ctx) => {
    if (!signed) return ctx.skip('openssl CLI not available to make a test certificate');
    const tampered = signed.slice();
    // Flip bytes well inside the entropy-coded data, after every header segment.
    tampered[tampered.length - 200] = (tampered[tampered.length - 200] as number) ^ 0x55;
    const r = await readContentCredentials(tampered);
    expect(r.present).toBe(true);
    expect(r.validated).toBe(false);
    expect(r.validationStatus?.some((s) => s.startsWith('assertion.dataHash.mismatch'))).toBe(true);
  });
});
