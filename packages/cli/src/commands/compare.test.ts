/**
 * `unwarp compare` as a user runs it: the real CLI in a child process, on a real photo and a Face-Aware edit of it
 * saved as a JPEG. No model is involved.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeFlo, endpointError, type FlowField } from '@unwarp/flow';
import { liquifyLandmarkedJpeg } from '@unwarp/liquify';
import { ComparisonReportSchema } from '@unwarp/pipeline';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../_internal/run-cli.ts';

const PORTRAIT = path.resolve(ROOT, '../shared/data/val/helen/299527853_1.jpg');

describe.skipIf(!existsSync(PORTRAIT))('unwarp compare (child process)', () => {
  let tmp: string;
  let edited: string;
  let W: FlowField;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'unwarp-compare-'));
    const pair = await liquifyLandmarkedJpeg(PORTRAIT, [
      { slider: 'eyeSize', value: 70 },
      { slider: 'faceWidth', value: -60 },
    ]);
    W = pair.W;
    edited = path.join(tmp, 'edited.jpg');
    await writeFile(edited, pair.edited);
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('writes the six artifacts, a summary naming the moved regions, and a W close to the true one', async () => {
    const out = path.join(tmp, 'out');
    const r = await runCli('compare', [edited, PORTRAIT, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^moved: up to \d+\.\d px/m);
    expect(r.stdout).toMatch(/face 0: .*leftEye \d+\.\d px/);
    const report = ComparisonReportSchema.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')));
    expect(report.psnr.recoveredVsOriginal).toBeGreaterThan(report.psnr.editedVsOriginal);
    const flow = decodeFlo(await readFile(path.join(out, 'flow.flo')));
    const epe = endpointError(flow, W, { minGtMagnitude: 1 });
    const zero = endpointError({ ...W, data: new Float32Array(W.data.length) }, W, { minGtMagnitude: 1 });
    expect(epe.mean).toBeLessThan(0.3 * zero.mean);
    for (const f of ['heatmap.png', 'flow.png', 'recovered.png', 'compare.png'])
      expect(existsSync(path.join(out, f)), f).toBe(true);

    // Results are not overwritten without --force; --json prints the report.
    const again = await runCli('compare', [edited, PORTRAIT, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds results/);
    const json = await runCli('compare', [edited, PORTRAIT, '--out', out, '--force', '--json', '--no-faces']);
    expect(json.code).toBe(0);
    const line = JSON.parse(json.stdout);
    expect(line).toMatchObject({ kind: 'comparison', out, faces: [] });
  });

  it('says why photos cannot be compared, with exit code 2; usage errors exit 1', async () => {
    const cropped = path.join(tmp, 'cropped.png');
    await sharp(PORTRAIT).extract({ left: 0, top: 0, width: 300, height: 200 }).png().toFile(cropped);
    const framing = await runCli('compare', [cropped, PORTRAIT, '--out', path.join(tmp, 'x')]);
    expect(framing.code).toBe(2);
    expect(framing.stderr).toMatch(/^unwarp compare: framing: the photos are framed differently/);
    const corrupt = path.join(tmp, 'corrupt.jpg');
    await writeFile(corrupt, Buffer.from('not a jpeg at all'));
    const bad = await runCli('compare', [corrupt, PORTRAIT, '--out', path.join(tmp, 'y'), '--no-faces']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^unwarp compare: \S+: /);
    const usage = await runCli('compare', [edited, '--out', path.join(tmp, 'z')]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/exactly two photos/);
  });
});
