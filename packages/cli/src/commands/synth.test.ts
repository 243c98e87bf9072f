import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeFlo } from '@unwarp/flow';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../../bin/unwarp.js');
const helen = path.resolve(import.meta.dirname, '../../../../../shared/data/train/helen');

describe.skipIf(!existsSync(helen))(`unwarp synth on ${helen}`, () => {
  it('writes seeded pairs with the exact field, the same JPEG quality on both halves, and a contact sheet', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'unwarp-synth-'));
    try {
      await run(process.execPath, [
        bin,
        'synth',
        '--in',
        helen,
        '--out',
        out,
        '--count',
        '3',
        '--seed',
        '4',
        '--negatives',
        '0',
        '--preview',
      ]);
      const samples = (await readdir(out)).filter((n) => /^\d+$/.test(n)).sort();
      expect(samples).toEqual(['000000', '000001', '000002']);
      expect(existsSync(path.join(out, 'preview.png'))).toBe(true);
      for (const s of samples) {
        const dir = path.join(out, s);
        const meta = JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8'));
        const flow = decodeFlo(new Uint8Array(await readFile(path.join(dir, 'warp.flo'))));
        const [o, m] = await Promise.all(
          ['original.jpg', 'modified.jpg'].map((f) => sharp(path.join(dir, f)).metadata()),
        );
        expect([o!.width, o!.height]).toEqual([flow.width, flow.height]);
        expect([m!.width, m!.height]).toEqual([flow.width, flow.height]);
        expect(meta.edits.length).toBeGreaterThan(0);
        expect(meta.seed).toBe(4);
      }
      // Same seed, same first sample.
      const again = await mkdtemp(path.join(os.tmpdir(), 'unwarp-synth-'));
      await run(process.execPath, [
        bin,
        'synth',
        '--in',
        helen,
        '--out',
        again,
        '--count',
        '1',
        '--seed',
        '4',
        '--negatives',
        '0',
      ]);
      const a = await readFile(path.join(out, '000000/warp.flo'));
      const b = await readFile(path.join(again, '000000/warp.flo'));
      expect(Buffer.compare(a, b)).toBe(0);
      await rm(again, { recursive: true, force: true });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('rejects unknown families and missing flags with a usage error', async () => {
    await expect(
      run(process.execPath, [bin, 'synth', '--in', helen, '--out', '/tmp/x', '--count', '1', '--families', 'smudge']),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unknown family smudge'),
    });
    await expect(run(process.execPath, [bin, 'synth', '--out', '/tmp/x'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--in'),
    });
  });
});

describe('unwarp', () => {
  it('lists its commands and refuses unknown ones', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    for (const c of ['analyze', 'synth', 'train', 'experiment', 'eval', 'doctor']) expect(stdout).toContain(c);
    await expect(run(process.execPath, [bin, 'bogus'])).rejects.toMatchObject({ code: 1 });
    await expect(run(process.execPath, [bin, 'experiment', 'nope', '--samples', '10'])).rejects.toMatchObject({
      stderr: expect.stringContaining('unknown recipe'),
    });
  });

  it('doctor reports the live backend and passes its self-test', async () => {
    const { stdout } = await run(process.execPath, [bin, 'doctor']);
    expect(stdout).toMatch(/backend: +(wasm|tensorflow)/);
    if (stdout.includes('backend:  wasm'))
      expect(stdout).toMatch(process.env.UNWARP_NATIVE_KERNELS === '0' ? /convs: +xnnpack/ : /convs: +native \(/);
    expect(stdout).toMatch(/selftest: ok/);
  });
});
