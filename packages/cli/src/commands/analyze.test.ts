/**
 * `unwarp analyze` as a user runs it: the real CLI in a child process, with the committed fixture model (random
 * weights: nothing here depends on its scores), on the hostile corpus of test/fixtures/bad-images and on real photos
 * read in place from ../shared/data.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeFlo } from '@unwarp/flow';
import { liquifyLandmarkedJpeg } from '@unwarp/liquify';
import { AID_ARTIFACTS, CORE_ARTIFACTS, MODEL_ARTIFACTS, ReportSchema, verdictFor } from '@unwarp/pipeline';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, ROOT, runCli } from '../_internal/run-cli.ts';
import { outputNames, shortVerdict } from './analyze.ts';

const MODEL = path.join(ROOT, 'packages/model/fixtures/tiny-model');
const BAD = path.join(ROOT, 'test/fixtures/bad-images');
const DATA = path.resolve(ROOT, '../shared/data');
const PORTRAIT = path.join(DATA, 'val/helen/299527853_1.jpg');
const CROWD = path.join(DATA, 'val/afw/4285163979_1.jpg');
const NO_FACE = path.join(DATA, 'train/nonface/deb_mate-backgrounds__Aqua.jpg');
const hasData = existsSync(PORTRAIT) && existsSync(CROWD) && existsSync(NO_FACE);

type Expectation = { expect: string; warning?: string; upright?: [number, number] };
type Result = CliResult;

const unwarp = (args: string[]): Promise<Result> => runCli('analyze', args, { UNWARP_MODEL_DIR: MODEL });

/** The one-line-per-failure lines, without progress-bar lines. */
const failureLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('unwarp analyze: '));

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'unwarp-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(!hasData)('unwarp analyze (child process, fixture model)', () => {
  it('hostile corpus + real photos: every bad file gets its one-line error, the rest finish, exit code 2', async () => {
    const manifest: Record<string, Expectation> = JSON.parse(await readFile(path.join(BAD, 'manifest.json'), 'utf8'));
    const names = Object.keys(manifest);
    const out = path.join(tmp, 'corpus');
    const missing = path.join(tmp, 'does-not-exist.jpg');
    const inputs = [...names.map((n) => path.join(BAD, n)), PORTRAIT, CROWD, NO_FACE];
    const dirOf = (n: string) => outputNames(inputs, out).get(path.join(BAD, n))!;
    const r = await unwarp([...inputs, missing, '--out', out]);
    expect(r.code, r.stderr).toBe(2);

    const lines = failureLines(r.stderr);
    const bad = names.filter((n) => manifest[n]!.expect !== 'ok');
    expect(lines).toHaveLength(bad.length + 1);
    for (const n of bad) {
      const line = lines.find((l) => l.includes(`${path.join(BAD, n)}: `));
      expect(line, `no error line for ${n}`).toBeDefined();
      expect(line).toContain(`: ${manifest[n]!.expect}: `);
    }
    expect(lines.find((l) => l.includes(missing))).toMatch(/not-found: no such file/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack traces

    for (const n of names.filter((x) => manifest[x]!.expect === 'ok')) {
      const dir = dirOf(n);
      const report = ReportSchema.parse(JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')));
      // The aid maps exist exactly when the aids ran (when they could not, a warning says so and the rest is there),
      // history.png exactly when the JPEG history was read.
      expect((await readdir(dir)).sort(), n).toEqual(
        [
          ...CORE_ARTIFACTS,
          'evidence.png',
          ...(report.jpegHistory ? ['history.png'] : []),
          ...(report.aids ? AID_ARTIFACTS : []),
        ].sort(),
      );
      if (!report.aids) expect(report.warnings.join('\n'), n).toMatch(/forensic aids .* could not run/);
      const e = manifest[n]!;
      if (e.warning) expect(report.warnings.join('\n').toLowerCase()).toContain(e.warning.toLowerCase());
      const W = decodeFlo(new Uint8Array(await readFile(path.join(dir, 'flow.flo'))));
      expect([W.width, W.height]).toEqual([report.image.width, report.image.height]);
      if (e.upright) expect([W.width, W.height]).toEqual(e.upright);
    }
    // Nothing was written for a failed file.
    for (const n of bad) expect(existsSync(dirOf(n))).toBe(false);
    expect(dirOf('animated.gif')).not.toBe(dirOf('animated.webp'));

    const portrait = ReportSchema.parse(JSON.parse(await readFile(path.join(out, '299527853_1/report.json'), 'utf8')));
    expect(portrait.faces).toHaveLength(1);
    // The forensic aids: each section with its how-to-read line, the maps beside the other artifacts.
    expect(portrait.aids?.jpeg.quality).toBeGreaterThan(0);
    for (const section of ['metadata', 'contentCredentials', 'ela', 'noise', 'jpeg'] as const)
      expect(portrait.aids?.[section].howToRead.length, section).toBeGreaterThan(40);
    expect(portrait.timings.aids).toBeGreaterThanOrEqual(0);
    expect(existsSync(path.join(out, '299527853_1/ela.png'))).toBe(true);
    const crowd = ReportSchema.parse(JSON.parse(await readFile(path.join(out, '4285163979_1/report.json'), 'utf8')));
    expect(crowd.faces.length).toBeGreaterThanOrEqual(4);
    const none = ReportSchema.parse(
      JSON.parse(await readFile(path.join(out, 'deb_mate-backgrounds__Aqua/report.json'), 'utf8')),
    );
    expect(none.noFace).toBe(true);
    expect(none.imageScore?.probability).toBeGreaterThanOrEqual(0);
    const rotated = ReportSchema.parse(JSON.parse(await readFile(path.join(out, 'exif-rotated/report.json'), 'utf8')));
    expect(rotated.image).toMatchObject({ width: 240, height: 320, exifOrientation: 6, orientationApplied: true });

    // The summary table: a row per file, failures marked.
    // (An "editor" column appears before the verdict when some file's metadata names an editing program, a "JPEG
    // history breaks" column when some face's history breaks.)
    expect(r.stdout).toMatch(/^file\s+faces\s+probability\s+max px\s+(editor\s+)?(JPEG history breaks\s+)?verdict/m);
    expect(r.stdout).toContain('4285163979_1.jpg');
    // The table gives the verdict's headline; the sentence after it lives in report.json.
    const crowdRow = r.stdout.split('\n').find((l) => l.includes('4285163979_1.jpg'))!;
    expect(crowdRow).toMatch(/(Likely warped|Possibly warped|Inconclusive|No sign of a liquify-type warp was found)$/);
    expect(r.stdout).toMatch(/bomb\.png\s+-\s+-\s+-\s+(-\s+){0,2}FAILED \(too-large\)/);
    expect(r.stdout).toMatch(/analysed, \d+ failed/);
  });

  it('--json prints one line per file; existing results are refused unless --force, and --force spares other files', async () => {
    const photos = path.join(tmp, 'photos');
    await mkdir(photos, { recursive: true });
    await copyFile(PORTRAIT, path.join(photos, 'portrait.jpg'));
    await copyFile(NO_FACE, path.join(photos, 'landscape.jpg'));
    // Skipped when a folder is expanded: hidden files (macOS "._" resource forks) and non-images.
    await writeFile(path.join(photos, '._portrait.jpg'), 'resource fork');
    await writeFile(path.join(photos, 'notes.txt'), 'not a photo');
    const out = path.join(tmp, 'json');

    const first = await unwarp([photos, '--out', out, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const rows = lines.map((l) => JSON.parse(l));
    expect(rows.map((x) => path.basename(x.file)).sort()).toEqual(['landscape.jpg', 'portrait.jpg']);
    for (const row of rows) {
      expect(row).toMatchObject({ ok: true });
      expect(typeof row.probability).toBe('number');
      expect(existsSync(path.join(row.out, 'report.json'))).toBe(true);
    }
    expect(rows.find((x) => x.file.endsWith('landscape.jpg'))).toMatchObject({ faces: 0, noFace: true });
    expect(rows.find((x) => x.file.endsWith('portrait.jpg'))).toMatchObject({ faces: 1, noFace: false });
    expect(failureLines(first.stderr)).toEqual([]);

    const report = path.join(out, 'portrait/report.json');
    const before = (await stat(report)).mtimeMs;
    const again = await unwarp([photos, '--out', out, '--json']);
    expect(again.code).toBe(2);
    expect(failureLines(again.stderr)).toHaveLength(2);
    for (const l of failureLines(again.stderr)) expect(l).toMatch(/exists: .* already holds results \(pass --force/);
    expect(
      again.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      expect.objectContaining({ ok: false, code: 'exists' }),
      expect.objectContaining({ ok: false, code: 'exists' }),
    ]);
    expect((await stat(report)).mtimeMs).toBe(before);

    expect(existsSync(path.join(out, 'portrait/noise.png'))).toBe(true);
    await writeFile(path.join(out, 'landscape', 'my-notes.txt'), 'a journalist wrote this');
    const forced = await unwarp([photos, '--out', out, '--force', '--no-aids']);
    expect(forced.code).toBe(2);
    expect(failureLines(forced.stderr)).toHaveLength(1);
    expect(failureLines(forced.stderr)[0]).toMatch(/landscape\.jpg: exists: .*did not write \(my-notes\.txt\)/);
    expect(await readFile(path.join(out, 'landscape', 'my-notes.txt'), 'utf8')).toBe('a journalist wrote this');
    expect((await stat(report)).mtimeMs).toBeGreaterThan(before);
    expect(forced.stdout).toMatch(/1 analysed, 1 failed/);
    // --no-aids: no aids section, and the maps of the earlier run are gone with the rest of it.
    expect(ReportSchema.parse(JSON.parse(await readFile(report, 'utf8'))).aids).toBeUndefined();
    expect((await readdir(path.join(out, 'portrait'))).sort()).toEqual([...CORE_ARTIFACTS, ...MODEL_ARTIFACTS].sort());
  });
});

describe.skipIf(!hasData)('unwarp analyze: where a JPEG history breaks', () => {
  it('names the face region in the table and in --json, only for the edited photo', async () => {
    const photos = path.join(tmp, 'history');
    await mkdir(photos, { recursive: true });
    // Eyes enlarged before a q95 export, and the same photo re-saved untouched: both keep the earlier save around.
    const { edited } = await liquifyLandmarkedJpeg(PORTRAIT, [{ slider: 'eyeSize', value: 80 }], { quality: 95 });
    await writeFile(path.join(photos, 'edited.jpg'), edited);
    await writeFile(path.join(photos, 'untouched.jpg'), await sharp(PORTRAIT).jpeg({ quality: 95 }).toBuffer());
    const table = await unwarp([photos, '--out', path.join(tmp, 'history-out'), '--no-aids']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^file\s+faces\s+probability\s+max px\s+JPEG history breaks\s+verdict/m);
    const row = (name: string) => table.stdout.split('\n').find((l) => l.includes(name))!;
    expect(row('edited.jpg')).toMatch(/\s(left|right) (eye|eyebrow)\s/);
    expect(row('untouched.jpg')).toMatch(/\s-\s+\S/);
    const json = await unwarp([photos, '--out', path.join(tmp, 'history-json'), '--no-aids', '--json']);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const breaks = (name: string) => lines.find((l) => l.file.endsWith(name)).historyBreaks;
    expect(breaks('untouched.jpg')).toEqual([]);
    expect(breaks('edited.jpg')).toEqual([
      { face: 0, near: expect.stringMatching(/^(left|right)(Eye|Brow)$/), nats: expect.any(Number) },
    ]);
  });
});

describe('unwarp analyze: arguments and output names', () => {
  it('a usage error exits 1 without touching anything', async () => {
    const r = await unwarp([path.join(BAD, 'grey.jpg')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--out <dir> is required/);
  });

  it('clashing stems get distinct folders, also across case and folders', () => {
    const names = outputNames(
      ['a/IMG_1.jpg', 'b/IMG_1.jpg', 'a/img_1.png', 'c/x y.jpg', 'c/.hidden.png', 'IMG_1-jpg.gif'],
      'out',
    );
    const dirs = [...names.values()];
    expect(new Set(dirs.map((d) => d.toLowerCase())).size).toBe(dirs.length);
    expect(names.get('a/IMG_1.jpg')).toBe(path.join('out', 'IMG_1-jpg'));
    expect(names.get('b/IMG_1.jpg')).toBe(path.join('out', 'IMG_1-jpg-2'));
    expect(names.get('a/img_1.png')).toBe(path.join('out', 'img_1-png'));
    expect(names.get('c/x y.jpg')).toBe(path.join('out', 'x_y'));
    expect(names.get('c/.hidden.png')).toBe(path.join('out', '_hidden'));
    expect(names.get('IMG_1-jpg.gif')).toBe(path.join('out', 'IMG_1-jpg-3'));
  });
});

describe('shortVerdict', () => {
  it('keeps the headline of every verdict the pipeline writes', () => {
    expect(shortVerdict(verdictFor(0.95, 0.5))).toBe('Likely warped');
    expect(shortVerdict(verdictFor(0.6, 0.5))).toBe('Possibly warped');
    expect(shortVerdict(verdictFor(0.35, 0.5))).toBe('Inconclusive');
    expect(shortVerdict(verdictFor(0.05, 0.5))).toBe('No sign of a liquify-type warp was found');
    expect(shortVerdict(verdictFor(0.95, 0.5, { experimental: true }))).toBe('Not validated');
    expect(shortVerdict(`No face found. ${verdictFor(0.6, 0.5)}`)).toBe('No face found. Possibly warped');
  });
});
