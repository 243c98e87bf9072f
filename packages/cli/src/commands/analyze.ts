import { access, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MAX_PIXELS, type Report, createAnalyzer, renderArtifacts, writeArtifacts } from '@unwarp/pipeline';
import { UsageError, num, parse } from '../args.ts';
import { createProgress } from '../progress.ts';

const HELP = `Usage: unwarp analyze <files or folders...> --out <dir> [options]

For every input <stem>.<ext> writes <dir>/<stem>/: report.json, flow.flo, recovered.png,
heatmap.png, flow.png and compare.png.

Options:
  -o, --out <dir>         output folder (required)
      --json              print one JSON line per file on stdout (for scripts)
      --no-crop           treat each image as one already-cropped face (skip face detection)
      --threshold <p>     probability at which a face counts as warped (default 0.5)
      --concurrency <n>   photos in flight at once (default 1; the model runs on one core)
      --force             overwrite results already in the output folder
      --model <dir>       model folder (default: models/unwarp-base, or UNWARP_MODEL_DIR)
      --max-megapixels <n> refuse larger images (default ${DEFAULT_MAX_PIXELS / 1e6})

Exit code: 0 when every file succeeded, 2 when any failed, 1 on a usage error.`;

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|tiff?|avif|heic|heif|jfif)$/i;

export async function run(argv: string[]): Promise<number> {
  const args = parse(
    argv,
    {
      out: { type: 'string', short: 'o' },
      json: { type: 'boolean' },
      'no-crop': { type: 'boolean' },
      threshold: { type: 'string' },
      concurrency: { type: 'string' },
      force: { type: 'boolean' },
      model: { type: 'string' },
      'max-megapixels': { type: 'string' },
    },
    HELP,
  );
  if (!args) return 0;
  const { values, positionals } = args;
  if (!values.out) throw new UsageError('--out <dir> is required', HELP);
  if (positionals.length === 0) throw new UsageError('give at least one photo or folder', HELP);
  const threshold = num(values.threshold, 'threshold', 0.5, (n) => n > 0 && n < 1);
  const concurrency = num(values.concurrency, 'concurrency', 1, (n) => Number.isInteger(n) && n >= 1 && n <= 16);
  const maxPixels = num(values['max-megapixels'], 'max-megapixels', DEFAULT_MAX_PIXELS / 1e6, (n) => n > 0) * 1e6;

  const failures: { file: string; reason: string }[] = [];
  const files = await collectInputs(positionals, failures);
  const outDirs = outputNames(files, values.out);
  const analyzer = await createAnalyzer(values.model ? { modelDir: values.model } : {});
  const rows: { file: string; faces: number | string; probability: string; maxPx: string; verdict: string }[] = [];
  const progress = createProgress(files.length, 'analyze ');
  let done = 0;
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const out = outDirs.get(file)!;
      try {
        if (!values.force && (await exists(path.join(out, 'report.json'))))
          throw new Error(`${out} already holds results (pass --force to overwrite)`);
        const bytes = await readFile(file);
        const analysis = await analyzer.analyze(bytes, {
          fileName: path.basename(file),
          noCrop: values['no-crop'] === true,
          threshold,
          maxPixels,
        });
        await writeArtifacts(out, await renderArtifacts(analysis), { force: values.force === true });
        const r = analysis.report;
        rows.push(summaryRow(file, r));
        if (values.json) process.stdout.write(`${JSON.stringify(jsonLine(file, out, r))}\n`);
      } catch (err) {
        const reason = describe(err);
        failures.push({ file, reason });
        rows.push({ file, faces: '-', probability: '-', maxPx: '-', verdict: `FAILED: ${reason}` });
        if (values.json) process.stdout.write(`${JSON.stringify({ file, ok: false, error: reason })}\n`);
      }
      progress.update(++done, path.basename(file));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, files.length)) }, worker));
  progress.done();
  analyzer.dispose();
  for (const f of failures) process.stderr.write(`unwarp analyze: ${f.file}: ${f.reason}\n`);
  if (!values.json) process.stdout.write(`${table(rows)}\n`);
  return failures.length > 0 ? 2 : 0;
}

/** Files as given, folders expanded to the images inside (not recursive); unreadable paths become failures. */
async function collectInputs(inputs: string[], failures: { file: string; reason: string }[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    try {
      const s = await stat(input);
      if (s.isDirectory()) {
        const names = (await readdir(input)).filter((n) => IMAGE_EXT.test(n)).sort();
        if (names.length === 0) failures.push({ file: input, reason: 'folder holds no images (jpg, png, webp, gif, tiff, avif, heic)' });
        files.push(...names.map((n) => path.join(input, n)));
      } else files.push(input);
    } catch (err) {
      failures.push({ file: input, reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    }
  }
  return [...new Set(files)];
}

/** <out>/<stem>; two inputs with the same stem get the extension appended so neither overwrites the other. */
function outputNames(files: string[], out: string): Map<string, string> {
  const stems = new Map<string, number>();
  for (const f of files) {
    const stem = safeStem(f);
    stems.set(stem, (stems.get(stem) ?? 0) + 1);
  }
  return new Map(
    files.map((f) => {
      const stem = safeStem(f);
      const ext = path.extname(f).slice(1).toLowerCase();
      return [f, path.join(out, stems.get(stem)! > 1 ? `${stem}-${ext}` : stem)];
    }),
  );
}

function safeStem(file: string): string {
  return path.basename(file, path.extname(file)).replace(/[^\w.-]+/g, '_').replace(/^\.+/, '_') || 'image';
}

function summaryRow(file: string, r: Report) {
  const maxPx = r.faces.length > 0 ? Math.max(...r.faces.map((f) => f.displacement.max)) : 0;
  return {
    file: path.basename(file),
    faces: r.faces.length,
    probability: r.probability.toFixed(3),
    maxPx: maxPx.toFixed(1),
    verdict: r.verdict,
  };
}

function jsonLine(file: string, out: string, r: Report) {
  return {
    file,
    ok: true,
    out,
    probability: r.probability,
    verdict: r.verdict,
    faces: r.faces.length,
    maxDisplacement: r.faces.length > 0 ? Math.max(...r.faces.map((f) => f.displacement.max)) : 0,
    warnings: r.warnings,
  };
}

function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return 'no photos analysed';
  const heads = { file: 'file', faces: 'faces', probability: 'probability', maxPx: 'max px', verdict: 'verdict' };
  const keys = Object.keys(heads) as (keyof typeof heads)[];
  const all = [heads, ...rows] as Record<string, string | number>[];
  const widths = keys.map((k) => Math.min(48, Math.max(...all.map((r) => String(r[k]).length))));
  return all
    .map((r, i) => {
      const line = keys.map((k, j) => String(r[k]).slice(0, k === 'verdict' ? 200 : widths[j]).padEnd(widths[j]!)).join('  ');
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    if (err.name === 'ImageDecodeError' && code) return `${code}: ${err.message}`;
    if (code === 'EACCES') return 'permission denied';
    return err.message.split('\n')[0]!;
  }
  return String(err);
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
