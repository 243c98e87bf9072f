import { readFile, stat } from 'node:fs/promises';
import {
  type ComparisonReport,
  checkOutputDir,
  compareWithOriginal,
  DEFAULT_MAX_PIXELS,
  REGIONS,
  renderComparisonArtifacts,
  writeArtifacts,
} from '@unwarp/pipeline';
import { num, parse, UsageError } from '../args.ts';

const HELP = `Usage: unwarp compare <edited photo> <original photo> --out <dir> [options]

Measures the warp between an edited photo and the photo it was made from (same framing; a copy
saved at another size is resized to match) and writes <dir>/: report.json (displacement, per-face
regions, residual, PSNR), flow.flo (W on the edited photo's grid), heatmap.png, flow.png,
recovered.png (the edit's warp undone) and compare.png. No model is involved: W is measured.

Options:
  -o, --out <dir>          output folder (required)
      --json               print the report as one JSON line on stdout, no summary
      --no-faces           skip face detection (no per-region statistics)
      --force              replace results already in <dir> (never other files)
      --max-megapixels <n> refuse larger images before decoding them (default ${DEFAULT_MAX_PIXELS / 1e6})

Exit code: 0 on success, 2 when the photos cannot be compared (unreadable, framed
differently), 1 on a usage error.`;

/** Files larger than this are refused before they are read into memory. */
const MAX_FILE_BYTES = 1024 ** 3;

export async function run(argv: string[]): Promise<number> {
  const args = parse(
    argv,
    {
      out: { type: 'string', short: 'o' },
      json: { type: 'boolean' },
      'no-faces': { type: 'boolean' },
      force: { type: 'boolean' },
      'max-megapixels': { type: 'string' },
    },
    HELP,
  );
  if (!args) return 0;
  const { values, positionals } = args;
  if (!values.out) throw new UsageError('--out <dir> is required', HELP);
  if (positionals.length !== 2)
    throw new UsageError('give exactly two photos: the edited one, then the original', HELP);
  const maxPixels = Math.round(
    num(values['max-megapixels'], 'max-megapixels', DEFAULT_MAX_PIXELS / 1e6, (n) => n > 0) * 1e6,
  );
  const [editedPath, originalPath] = positionals as [string, string];
  await checkOutputDir(values.out, values.force === true);

  let report: ComparisonReport;
  try {
    const [edited, original] = await Promise.all([readPhoto(editedPath), readPhoto(originalPath)]);
    const faces = values['no-faces'] ? undefined : await (await import('@unwarp/faces')).createFaceDetector();
    try {
      const c = await compareWithOriginal(edited, original, {
        faces,
        editedName: editedPath,
        originalName: originalPath,
        maxPixels,
      });
      await writeArtifacts(values.out, await renderComparisonArtifacts(c), { force: values.force === true });
      report = c.report;
    } finally {
      faces?.dispose();
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as { code?: string }).code ?? 'failed';
    process.stderr.write(`unwarp compare: ${code}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ out: values.out, ...report })}\n`);
    return 0;
  }
  process.stdout.write(
    `${summary(report)}\nResults in ${values.out}/ (report.json, heatmap.png, flow.flo, recovered.png, ...)\n`,
  );
  return 0;
}

async function readPhoto(file: string): Promise<Buffer> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new UsageError(`${file} is not a file`);
    size = s.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw Object.assign(new Error(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`), {
      code: 'unreadable',
    });
  }
  if (size > MAX_FILE_BYTES)
    throw Object.assign(new Error(`${file} is ${(size / 1024 ** 3).toFixed(1)} GB: too large to read`), {
      code: 'too-large',
    });
  return readFile(file);
}

function summary(r: ComparisonReport): string {
  const d = r.displacement;
  const lines = [
    `moved: up to ${d.max.toFixed(1)} px (95th percentile ${d.p95.toFixed(2)} px), ${(r.movedShare * 100).toFixed(1)}% of the photo by more than 0.5 px`,
    `match to the original: PSNR ${r.psnr.editedVsOriginal.toFixed(1)} dB as edited, ${r.psnr.recoveredVsOriginal.toFixed(1)} dB with the warp undone`,
  ];
  for (const face of r.faces) {
    const moved = REGIONS.filter((k) => (face.regions[k]?.max ?? 0) >= 0.5)
      .map((k) => `${k} ${face.regions[k]!.max.toFixed(1)} px`)
      .join(', ');
    lines.push(`face ${face.index}: ${moved || 'no region moved more than 0.5 px'}`);
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
