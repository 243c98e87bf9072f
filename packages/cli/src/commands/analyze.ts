import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  type Analyzer,
  checkOutputDir,
  createAnalyzer,
  DEFAULT_MAX_PIXELS,
  DEFAULT_MODEL_DIR,
  historyBreaksInWords,
  type Report,
  renderArtifacts,
  type Stage,
  writeArtifacts,
} from '@unwarp/pipeline';
import { num, parse, UsageError } from '../args.ts';
import { createProgress } from '../progress.ts';

const HELP = `Usage: unwarp analyze <files or folders...> --out <dir> [options]

For every input <stem>.<ext> writes <dir>/<stem>/: report.json, flow.flo, recovered.png,
heatmap.png, flow.png, compare.png, evidence.png (where each face's score comes from),
history.png for JPEGs with a face (where the photo's JPEG history breaks: teal blocks kept
an earlier save, magenta ones were compressed once), and the forensic aids' maps ela.png
(error level) and noise.png (noise residual); report.json's "aids" section holds metadata,
Content Credentials, ELA, noise and JPEG history, each with a "howToRead" line. For JPEGs the
summary table names the face region where a face's history breaks ("JPEG history breaks").
Folders are searched one level deep for images (jpg, png, webp, gif, tiff, avif, heic; hidden
files skipped).

Options:
  -o, --out <dir>          output folder (required)
      --json               print one JSON line per file on stdout (for scripts), no table
      --no-crop            treat each image as one already-cropped face (skip face detection)
      --no-aids            skip the forensic aids (no "aids" in report.json, no ela.png/noise.png)
      --threshold <p>      probability at which a face counts as warped (default 0.5)
      --concurrency <n>    photos in flight at once (default 1; the model runs on one core)
      --force              replace results already in <dir>/<stem>/ (never other files)
      --model <dir>        model folder (default: models/unwarp-base, or UNWARP_MODEL_DIR)
      --max-megapixels <n> refuse larger images before decoding them (default ${DEFAULT_MAX_PIXELS / 1e6})

Each file that fails gets one line on stderr ("unwarp analyze: <file>: <code>: <reason>");
the others still finish. Exit code: 0 when every file succeeded, 2 when any failed,
1 on a usage error or when the model cannot be loaded.`;

const IMAGE_EXT = /\.(jpe?g|jfif|png|webp|gif|tiff?|avif|heic|heif)$/i;
/** Files larger than this are refused before they are read into memory. */
const MAX_FILE_BYTES = 1024 ** 3;

type Row = {
  file: string;
  faces: string;
  probability: string;
  maxPx: string;
  editor: string;
  history: string;
  verdict: string;
};
type Failure = { file: string; code: string; reason: string };

export async function run(argv: string[]): Promise<number> {
  const args = parse(
    argv,
    {
      out: { type: 'string', short: 'o' },
      json: { type: 'boolean' },
      'no-crop': { type: 'boolean' },
      'no-aids': { type: 'boolean' },
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
  const maxPixels = Math.round(
    num(values['max-megapixels'], 'max-megapixels', DEFAULT_MAX_PIXELS / 1e6, (n) => n > 0) * 1e6,
  );
  const force = values.force === true;
  const json = values.json === true;
  const outRoot = values.out;

  const tty = process.stderr.isTTY === true;
  let progress: ReturnType<typeof createProgress> | undefined;
  const failures: Failure[] = [];
  const rows: Row[] = [];
  /** One line per failing file, right away; on a terminal the progress bar is cleared first and redrawn after. */
  const fail = (file: string, code: string, reason: string) => {
    failures.push({ file, code, reason });
    rows.push({ file, faces: '-', probability: '-', maxPx: '-', editor: '', history: '', verdict: `FAILED (${code})` });
    if (tty && progress) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`unwarp analyze: ${file}: ${code}: ${reason}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ file, ok: false, code, error: reason })}\n`);
  };

  const files = await collectInputs(positionals, fail);
  const outDirs = outputNames(files, outRoot);

  let analyzer: Analyzer;
  const modelDir = values.model ?? process.env.UNWARP_MODEL_DIR ?? DEFAULT_MODEL_DIR;
  try {
    analyzer = await createAnalyzer({ modelDir });
  } catch (err) {
    throw new Error(
      `cannot load the model from ${modelDir}: ${oneLine(err)}\n` +
        'Pass --model <dir> (or set UNWARP_MODEL_DIR) to a folder holding model.json and weights.bin.',
    );
  }

  progress = createProgress(files.length, 'analyze ');
  let done = 0;
  let current = '';
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const out = outDirs.get(file)!;
      current = path.basename(file);
      try {
        // Refuse before the work, not after it; writeArtifacts checks again at the end.
        await checkOutputDir(out, force);
        const size = (await stat(file)).size;
        if (size > MAX_FILE_BYTES)
          throw Object.assign(new Error(`file is ${(size / 1024 ** 3).toFixed(1)} GB, over the 1 GB limit`), {
            code: 'too-large',
          });
        const bytes = await readFile(file);
        const analysis = await analyzer.analyze(bytes, {
          fileName: path.basename(file),
          noCrop: values['no-crop'] === true,
          aids: values['no-aids'] !== true,
          threshold,
          maxPixels,
          onStage: (stage: Stage) => {
            if (tty) progress?.update(done, `${current}: ${stage}`);
          },
        });
        await writeArtifacts(out, await renderArtifacts(analysis), { force });
        const r = analysis.report;
        rows.push(summaryRow(file, r));
        if (json) process.stdout.write(`${JSON.stringify(jsonLine(file, out, r))}\n`);
      } catch (err) {
        const { code, reason } = describe(err, maxPixels);
        fail(file, code, reason);
      }
      progress.update(++done, current);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, files.length)) }, worker));
  } finally {
    progress.done();
    analyzer.dispose();
  }
  if (!json) {
    // Input order (concurrent workers finish out of order); paths that could not be listed come first.
    const order = new Map(files.map((f, i) => [f, i]));
    rows.sort((a, b) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1));
    process.stdout.write(`${table(rows)}\n`);
    const ok = rows.length - failures.length;
    process.stdout.write(
      `\n${ok} analysed, ${failures.length} failed. Results in ${outRoot}${path.sep}<name>${path.sep} (report.json, compare.png, ...).\n`,
    );
    // Said once here, not per row: a model that has not met its validation targets makes every score uninformative.
    const experimental = analyzer.experimental;
    if (experimental)
      process.stdout.write(`\nNOTE: the model ${analyzer.modelName} is experimental: ${experimental}\n`);
  }
  return failures.length > 0 ? 2 : 0;
}

/** Files as given, folders expanded to the images inside (not recursive); unreadable paths become failures. */
async function collectInputs(inputs: string[], fail: (file: string, code: string, reason: string) => void) {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    const key = path.resolve(f);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(f);
  };
  for (const input of inputs) {
    try {
      const s = await stat(input);
      if (s.isDirectory()) {
        const names = (await readdir(input, { withFileTypes: true }))
          // Skip hidden files, among them the "._IMG_0001.JPG" resource forks macOS leaves on USB drives.
          .filter((d) => d.isFile() && !d.name.startsWith('.') && IMAGE_EXT.test(d.name))
          .map((d) => d.name)
          .sort();
        if (names.length === 0)
          fail(input, 'not-found', 'folder holds no images (jpg, png, webp, gif, tiff, avif, heic)');
        for (const n of names) add(path.join(input, n));
      } else if (s.isFile()) add(input);
      else fail(input, 'unsupported', 'not a regular file');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      fail(
        input,
        'not-found',
        code === 'ENOENT'
          ? 'no such file or folder'
          : code === 'EACCES'
            ? 'permission denied'
            : `cannot read: ${oneLine(err)}`,
      );
    }
  }
  return files;
}

/**
 * <out>/<stem> for each file. Stems that clash (a.jpg and a.png, dir1/a.jpg and dir2/a.jpg, A.jpg and a.jpg on a
 * case-insensitive disk) are told apart with the extension, then a counter, so no result overwrites another.
 */
export function outputNames(files: string[], out: string): Map<string, string> {
  const count = new Map<string, number>();
  for (const f of files) count.set(safeStem(f).toLowerCase(), (count.get(safeStem(f).toLowerCase()) ?? 0) + 1);
  const taken = new Set<string>();
  const result = new Map<string, string>();
  for (const f of files) {
    const stem = safeStem(f);
    const ext = path.extname(f).slice(1).toLowerCase() || 'file';
    let name = count.get(stem.toLowerCase())! > 1 ? `${stem}-${ext}` : stem;
    for (let i = 2; taken.has(name.toLowerCase()); i++)
      name = `${count.get(stem.toLowerCase())! > 1 ? `${stem}-${ext}` : stem}-${i}`;
    taken.add(name.toLowerCase());
    result.set(f, path.join(out, name));
  }
  return result;
}

function safeStem(file: string): string {
  return (
    path
      .basename(file, path.extname(file))
      .replace(/[^\w.-]+/g, '_')
      .replace(/^\.+/, '_') || 'image'
  );
}

/** Editors the file's metadata names (Software, XMP CreatorTool or history); empty without the aids. */
const editorsOf = (r: Report) => r.aids?.metadata.editorHints ?? [];

/** Faces whose JPEG history breaks (report faces[].historyHotspot): index, the region nearest, nats. */
const historyBreaksOf = (r: Report) =>
  r.faces.flatMap((f) =>
    f.historyHotspot ? [{ face: f.index, near: f.historyHotspot.near?.[0] ?? null, nats: f.historyHotspot.nats }] : [],
  );

const maxDisplacement = (r: Report) => (r.faces.length > 0 ? Math.max(...r.faces.map((f) => f.displacement.max)) : 0);

function summaryRow(file: string, r: Report): Row {
  return {
    file,
    faces: r.noFace ? '0' : String(r.faces.length),
    probability: r.probability.toFixed(3),
    maxPx: r.faces.length > 0 ? maxDisplacement(r).toFixed(1) : '-',
    editor: editorsOf(r).join(', '),
    history: historyBreaksInWords(r).join('; '),
    verdict: shortVerdict(r.verdict),
  };
}

/** The verdict's headline for the table ("Likely warped", "No face found. Not validated"); report.json has it whole. */
export function shortVerdict(verdict: string): string {
  const colon = verdict.indexOf(':');
  return colon > 0 ? verdict.slice(0, colon) : verdict.replace(/\.$/, '');
}

function jsonLine(file: string, out: string, r: Report) {
  return {
    file,
    ok: true,
    out,
    probability: r.probability,
    verdict: r.verdict,
    faces: r.faces.length,
    noFace: r.noFace,
    maxDisplacement: maxDisplacement(r),
    editors: editorsOf(r),
    historyBreaks: historyBreaksOf(r),
    warnings: r.warnings,
  };
}

function table(rows: Row[]): string {
  if (rows.length === 0) return 'no photos analysed';
  const heads: Row = {
    file: 'file',
    faces: 'faces',
    probability: 'probability',
    maxPx: 'max px',
    editor: 'editor',
    history: 'JPEG history breaks',
    verdict: 'verdict',
  };
  // The editor column only appears when some file's metadata names an editing program, the history column when some
  // face's JPEG history breaks.
  const keys: (keyof Row)[] = [
    'file',
    'faces',
    'probability',
    'maxPx',
    ...(rows.some((r) => r.editor) ? (['editor'] as const) : []),
    ...(rows.some((r) => r.history) ? (['history'] as const) : []),
    'verdict',
  ];
  const right = new Set(['faces', 'probability', 'maxPx']);
  const cell = (r: Row, k: keyof Row) =>
    k === 'file'
      ? shorten(r.file, 48)
      : k === 'editor'
        ? clip(r.editor || '-', 20)
        : k === 'history'
          ? clip(r.history || '-', 28)
          : r[k];
  const all = [heads, ...rows];
  const widths = keys.map((k) => Math.max(...all.map((r) => cell(r, k).length)));
  const line = (r: Row) =>
    keys
      .map((k, j) => {
        const v = cell(r, k);
        if (k === 'verdict') return v;
        return right.has(k) ? v.padStart(widths[j]!) : v.padEnd(widths[j]!);
      })
      .join('  ')
      .trimEnd();
  return [
    line(heads),
    widths.map((w, j) => '-'.repeat(keys[j] === 'verdict' ? Math.min(w, 40) : w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

/** Keeps the start of a long list of names. */
function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** Keeps the end of a long path (the file name), which is what tells rows apart. */
function shorten(s: string, n: number): string {
  return s.length <= n ? s : `…${s.slice(s.length - n + 1)}`;
}

function describe(err: unknown, maxPixels: number): { code: string; reason: string } {
  if (!(err instanceof Error)) return { code: 'internal', reason: String(err) };
  const code = (err as { code?: string }).code;
  if (err.name === 'ImageDecodeError' && code) {
    const hint =
      code === 'too-large' ? ` (raise --max-megapixels above ${maxPixels / 1e6} if you trust this file)` : '';
    return { code, reason: `${oneLine(err)}${hint}` };
  }
  if (err.name === 'OutputExistsError') return { code: 'exists', reason: oneLine(err) };
  if (code === 'too-large') return { code, reason: oneLine(err) };
  if (code === 'EACCES' || code === 'EPERM') return { code: 'not-found', reason: 'permission denied' };
  if (code === 'ENOENT') return { code: 'not-found', reason: 'no such file (was it moved during the run?)' };
  if (code === 'EISDIR') return { code: 'unsupported', reason: 'is a folder' };
  if (code === 'ENOSPC') return { code: 'internal', reason: 'the disk is full: results could not be written' };
  return { code: 'internal', reason: oneLine(err) };
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').trim();
}
