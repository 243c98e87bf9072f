/** `unwarp calibrate` on the fixture model and real held-out faces, in child processes. */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIELD_GAINS, MIN_FIELD_PSNR_GAIN } from '@unwarp/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../_internal/run-cli.ts';

const AFW = path.resolve(ROOT, '../shared/data/val/afw');
const TRAIN_HELEN = path.resolve(ROOT, '../shared/data/train/helen');
const FIXTURE = path.join(ROOT, 'packages/model/fixtures/tiny-model');

describe.skipIf(!existsSync(AFW))('unwarp calibrate', () => {
  let tmp: string;
  let model: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'unwarp-calibrate-'));
    model = path.join(tmp, 'model');
    await cp(FIXTURE, model, { recursive: true });
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  // Each calibration scores 4 conditions x N faces per pool in a child process: minutes, not seconds, on 2 cores
  // (about 180 s in CI, beside the service tests; 240 s was once too little when the machine ran slower).
  it('writes the fitted scale into model.json, and eval then holds the false-positive rate near the target', {
    timeout: 420_000,
  }, async () => {
    const r = await runCli('calibrate', ['--model', model, '--data', AFW, '--count', '60', '--fpr', '0.1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(c.faces).toBe(240);
    expect(c.pools).toEqual(['val/afw']);
    expect(c.fpr).toBeLessThanOrEqual(0.1);
    expect(c.conditions.map((k: { name: string; faces: number }) => [k.name, k.faces])).toEqual([
      ['val/afw re-saved', 60],
      ['val/afw jpeg q90', 60],
      ['val/afw clean', 60],
      ['val/afw jpeg q90 colour', 60],
    ]);
    for (const k of c.conditions) expect(k.fpr).toBeLessThanOrEqual(0.1);
    expect(c.slope).toBeGreaterThan(0);
    // The fixture predicts a field: its gain is fitted on the same edited faces, the best of those tried, unless that
    // beats no field (gain 0) by less than MIN_FIELD_PSNR_GAIN.
    expect(c.field.candidates.map((k: { gain: number }) => k.gain)).toEqual(FIELD_GAINS);
    expect(c.field.candidates[0].psnrGain).toBe(0);
    const best = Math.max(...c.field.candidates.map((k: { psnrGain: number }) => k.psnrGain));
    expect(c.field.psnrGain).toBe(best >= MIN_FIELD_PSNR_GAIN ? best : 0);
    if (c.field.psnrGain === 0) expect(c.field.gain).toBe(0);
    expect(c.field.conditions.map((k: { name: string }) => k.name)).toEqual([
      'val/afw re-saved',
      'val/afw jpeg q90',
      'val/afw clean',
      'val/afw jpeg q90 colour',
    ]);
    const manifest = JSON.parse(await readFile(path.join(model, 'model.json'), 'utf8'));
    expect(manifest.calibration).toEqual(c);
    // Same faces scored again by eval: the untouched ones flagged at 0.5 are exactly those at or above the threshold.
    for (const [k, flags] of [
      [0, []],
      [1, ['--jpeg', '90']],
      [2, ['--clean']],
      [3, ['--jpeg', '90', '--colour']],
    ] as const) {
      const e = await runCli('eval', [
        '--model',
        model,
        '--data',
        AFW,
        '--count',
        '60',
        '--seed',
        '11',
        ...flags,
        '--json',
      ]);
      expect(e.code, e.stderr).toBe(0);
      expect(JSON.parse(e.stdout.trim().split('\n').at(-1)!).fprUntouched).toBeCloseTo(c.conditions[k].fpr, 4);
    }
  });

  it('with two pools, scores each on its own and holds the target in every pool and condition', {
    timeout: 240_000,
  }, async () => {
    const r = await runCli('calibrate', [
      ...['--model', model, '--data', AFW, '--data', TRAIN_HELEN],
      ...['--count', '40', '--fpr', '0.1', '--score-only', '--json'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(c.faces).toBe(320);
    expect(c.pools).toEqual(['val/afw', 'train/helen']);
    expect(c.field).toBeUndefined(); // --score-only
    expect(c.conditions.map((k: { name: string }) => k.name)).toEqual([
      'val/afw re-saved',
      'val/afw jpeg q90',
      'val/afw clean',
      'val/afw jpeg q90 colour',
      'train/helen re-saved',
      'train/helen jpeg q90',
      'train/helen clean',
      'train/helen jpeg q90 colour',
    ]);
    for (const k of c.conditions) expect(k.fpr).toBeLessThanOrEqual(0.1);
    // The threshold is the strictest pool's: at least one pool × condition sits at its own 10% point or just under.
    expect(Math.max(...c.conditions.map((k: { fpr: number }) => k.fpr))).toBeGreaterThan(0);
  });

  it('refuses a model folder without a model, saying which file is missing', async () => {
    const r = await runCli('calibrate', ['--model', tmp, '--data', AFW, '--count', '40']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/model\.json/);
  });
});
