/**
 * The forensic aids inside the pipeline when they fail: the analysis goes on, the report says why, and the artifact
 * list has no maps (no placeholder stands in for them).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FIXTURE_MODEL_DIR, hasData, PHOTOS, photoPath } from './_internal/testing.ts';
import { type Analyzer, createAnalyzer } from './analyze.ts';
import { renderArtifacts, writeArtifacts } from './artifacts.ts';
import { CORE_ARTIFACTS, MODEL_ARTIFACTS, ReportSchema } from './report.ts';

// The aids' report always fails; the JPEG-history map the face score reads is real unless a test breaks it.
const breakHistory = vi.hoisted(() => ({ on: false }));
vi.mock('@unwarp/aids', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@unwarp/aids')>();
  return {
    ...actual,
    runAids: vi.fn(async () => {
      throw new Error('c2pa reader\nexploded');
    }),
    readJpegHistory: vi.fn((...args: Parameters<typeof actual.readJpegHistory>) => {
      if (breakHistory.on) throw new Error('DCT\nfell over');
      return actual.readJpegHistory(...args);
    }),
  };
});

describe.skipIf(!hasData())('when the forensic aids fail', () => {
  let analyzer: Analyzer;
  let dir: string;
  beforeAll(async () => {
    analyzer = await createAnalyzer({ modelDir: FIXTURE_MODEL_DIR });
    dir = await mkdtemp(path.join(tmpdir(), 'unwarp-aids-'));
  });
  afterAll(async () => {
    analyzer?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('the analysis still succeeds, with a warning and without the aids section or maps', async () => {
    const a = await analyzer.analyze(await readFile(photoPath(PHOTOS.portrait)));
    expect(a.report.aids).toBeUndefined();
    expect(a.aidImages).toBeUndefined();
    expect(a.report.warnings).toContain(
      'the forensic aids (metadata, ELA, noise, JPEG) could not run on this file: c2pa reader exploded',
    );
    expect(a.report.timings.aids).toBeGreaterThanOrEqual(0);
    expect(a.report.faces).toHaveLength(1);
    const files = await renderArtifacts(a);
    expect(Object.keys(files).sort()).toEqual([...CORE_ARTIFACTS, ...MODEL_ARTIFACTS].sort());
    const out = path.join(dir, 'portrait');
    await writeArtifacts(out, files);
    expect((await readdir(out)).sort()).toEqual([...CORE_ARTIFACTS, ...MODEL_ARTIFACTS].sort());
    expect(ReportSchema.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'))).aids).toBeUndefined();
  });

  it('a JPEG history that cannot be read leaves the face scores to the network, with a warning', async () => {
    breakHistory.on = true;
    try {
      const a = await analyzer.analyze(await readFile(photoPath(PHOTOS.portrait)), { aids: false });
      expect(a.report.faces).toHaveLength(1);
      expect(a.report.faces[0]!.compressionBreak).toBeUndefined();
      expect(a.report.warnings).toContain(
        "the photo's JPEG history could not be read, so the face scores leave it out: DCT fell over",
      );
    } finally {
      breakHistory.on = false;
    }
  });
});
