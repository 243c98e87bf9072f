/** `unwarp eval --pairs` on stored pairs written by `unwarp synth`, with the fixture model, in child processes. */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeFlo, flowMagnitude } from '@unwarp/flow';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../_internal/run-cli.ts';

const HELEN = path.resolve(ROOT, '../shared/data/val/helen');
const MODEL = path.join(ROOT, 'packages/model/fixtures/tiny-model');

describe.skipIf(!existsSync(HELEN))('unwarp eval --pairs (stored pairs)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'unwarp-eval-'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('scores every stored pair and measures EPE against the stored warp.flo', async () => {
    const pairs = path.join(tmp, 'pairs');
    const synth = await runCli('synth', [
      '--in',
      HELEN,
      '--out',
      pairs,
      '--count',
      '6',
      '--seed',
      '4',
      '--size',
      '160',
    ]);
    expect(synth.code, synth.stderr).toBe(0);
    const r = await runCli('eval', ['--pairs', pairs, '--model', MODEL, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(report.samples).toBe(6);
    expect(report.source).toMatch(/^stored pairs in /);
    // The fixture model weighs no JPEG-history evidence: its face score is the network's own.
    expect(report.network).toEqual({ ap: report.ap, auc: report.auc });
    expect(report.compressionBreak.auc).toBeGreaterThanOrEqual(0);
    expect(report.compressionBreak.auc).toBeLessThanOrEqual(1);
    // The zero-flow error is the mean |W| over pixels moved > 1 px, straight from the files.
    let sum = 0;
    let n = 0;
    let positives = 0;
    for (const d of (await readdir(pairs)).sort()) {
      const meta = JSON.parse(await readFile(path.join(pairs, d, 'meta.json'), 'utf8'));
      positives += meta.label;
      for (const m of flowMagnitude(decodeFlo(await readFile(path.join(pairs, d, 'warp.flo')))))
        if (m > 1) {
          sum += m;
          n++;
        }
    }
    expect(report.positives).toBe(positives);
    expect(n).toBeGreaterThan(0);
    expect(report.epeMoved.zeroFlow).toBeCloseTo(sum / n, 3);

    // The same pairs saved losslessly (as `foreign-edits.ts --png` writes them): the same pixels, so the same scores.
    const png = path.join(tmp, 'pairs-png');
    for (const d of await readdir(pairs)) {
      await mkdir(path.join(png, d), { recursive: true });
      for (const f of ['meta.json', 'warp.flo']) await cp(path.join(pairs, d, f), path.join(png, d, f));
      for (const half of ['original', 'modified'])
        await sharp(path.join(pairs, d, `${half}.jpg`))
          .png()
          .toFile(path.join(png, d, `${half}.png`));
    }
    const p = await runCli('eval', ['--pairs', png, '--model', MODEL, '--json']);
    expect(p.code, p.stderr).toBe(0);
    const lossless = JSON.parse(p.stdout.trim().split('\n').at(-1)!);
    expect(lossless.samples).toBe(6);
    expect(lossless.ap).toBe(report.ap);
    expect(lossless.epeMoved).toEqual(report.epeMoved);
  });

  it('refuses --data with --pairs, and an empty pairs folder', async () => {
    const both = await runCli('eval', ['--pairs', tmp, '--data', HELEN, '--model', MODEL]);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/not both/);
    const empty = await runCli('eval', ['--pairs', path.join(tmp, 'nothing-here'), '--model', MODEL]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/no stored pairs/);
    const clean = await runCli('eval', ['--pairs', tmp, '--clean', '--model', MODEL]);
    expect(clean.code).toBe(1);
    expect(clean.stderr).toMatch(/--clean applies to simulated edits/);
  });

  it('--clean scores the same faces and edits without post-processing, and says so', async () => {
    const args = ['--data', HELEN, '--model', MODEL, '--count', '6', '--json'];
    const [plain, clean] = await Promise.all([runCli('eval', args), runCli('eval', [...args, '--clean'])]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(clean.code, clean.stderr).toBe(0);
    const p = JSON.parse(plain.stdout.trim().split('\n').at(-1)!);
    const c = JSON.parse(clean.stdout.trim().split('\n').at(-1)!);
    expect(c.source).toMatch(/no post-processing/);
    expect(p.source).not.toMatch(/no post-processing/);
    // Same seeds, so the same photos and edits: only the re-save differs, which the modified faces show.
    expect(c.positives).toBe(p.positives);
    expect(c.psnr.modified).not.toBe(p.psnr.modified);
    // Undoing the true W on a clean edit must bring the face closer to its original: the ceiling of the gain.
    expect(c.psnr.trueFlowGain).toBeGreaterThan(1);
  });

  it('--jpeg 90 --colour: the same edits, colour-edited before the export, and says so; --colour alone is refused', async () => {
    const args = ['--data', HELEN, '--model', MODEL, '--count', '6', '--jpeg', '90', '--json'];
    const [plain, colour] = await Promise.all([runCli('eval', args), runCli('eval', [...args, '--colour'])]);
    expect(colour.code, colour.stderr).toBe(0);
    const p = JSON.parse(plain.stdout.trim().split('\n').at(-1)!);
    const c = JSON.parse(colour.stdout.trim().split('\n').at(-1)!);
    expect(c.source).toMatch(/colour-edited, then saved once as JPEG q90/);
    expect(p.source).not.toMatch(/colour/);
    expect(c.positives).toBe(p.positives);
    // Both halves of each pair take the same colour edit: the faces differ from the plain export's.
    expect(c.psnr.modified).not.toBe(p.psnr.modified);
    const alone = await runCli('eval', ['--data', HELEN, '--model', MODEL, '--count', '6', '--colour']);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/--colour applies with --jpeg/);
  });

  it('--jpeg 90 --off-grid: the same edits, exported off an earlier save grid, and says so; --off-grid alone is refused', async () => {
    const args = ['--data', HELEN, '--model', MODEL, '--count', '4', '--jpeg', '90', '--json'];
    const [plain, off] = await Promise.all([runCli('eval', args), runCli('eval', [...args, '--off-grid'])]);
    expect(off.code, off.stderr).toBe(0);
    const p = JSON.parse(plain.stdout.trim().split('\n').at(-1)!);
    const o = JSON.parse(off.stdout.trim().split('\n').at(-1)!);
    expect(o.source).toMatch(/saved first at q70–90, then saved as JPEG q90 on a grid 1–7 px off the first/);
    expect(o.positives).toBe(p.positives);
    expect(o.psnr.modified).not.toBe(p.psnr.modified);
    const alone = await runCli('eval', ['--data', HELEN, '--model', MODEL, '--count', '4', '--off-grid']);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/--off-grid applies with --jpeg/);
  });

  it("edits at the photo's resolution and sends the crop as the pipeline does: resized, or as it is for a native model", async () => {
    const native = path.join(tmp, 'native-model');
    await cp(MODEL, native, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(native, 'model.json'), 'utf8'));
    await writeFile(path.join(native, 'model.json'), JSON.stringify({ ...manifest, inference: { scale: 'native' } }));
    const args = ['--data', HELEN, '--count', '4', '--clean', '--json'];
    const [resized, own] = await Promise.all([
      runCli('eval', [...args, '--model', MODEL]),
      runCli('eval', [...args, '--model', native]),
    ]);
    expect(resized.code, resized.stderr).toBe(0);
    expect(own.code, own.stderr).toBe(0);
    const r = JSON.parse(resized.stdout.trim().split('\n').at(-1)!);
    const o = JSON.parse(own.stdout.trim().split('\n').at(-1)!);
    expect(r.source).toMatch(/edited at the photo's resolution, seen at crops resized to 400 px/);
    expect(o.source).toMatch(/seen at the photo's own scale/);
    // Same photos and edits; the resize changes the pixels the PSNR is measured on.
    expect(o.positives).toBe(r.positives);
    expect(o.psnr.modified).not.toBe(r.psnr.modified);
  });
});
