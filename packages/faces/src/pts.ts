import type { Point } from './types.ts';

/**
 * Parses a 300-W/iBUG `.pts` landmark file into 0-based pixel coordinates (the files are 1-based).
 * Accepts the original layout (`version: 1`, `n_points: N`, `{`, N lines, `}`) and the bare N-line layout of the
 * re-encoded pools in shared/data. Throws on anything else rather than guessing.
 */
export function readPts(text: string, expected = 68): Point[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  let body = lines;
  let declared: number | undefined;
  if (lines[0]?.startsWith('version')) {
    const n = /^n_points\s*:\s*(\d+)$/.exec(lines[1] ?? '');
    if (!n) throw new Error(`malformed .pts: expected "n_points: N" on line 2, got "${lines[1] ?? ''}"`);
    declared = Number(n[1]);
    const open = lines.indexOf('{');
    const close = lines.lastIndexOf('}');
    if (open !== 2 || close !== lines.length - 1)
      throw new Error('malformed .pts: points must sit between "{" and "}"');
    body = lines.slice(open + 1, close);
    if (body.length !== declared)
      throw new Error(`malformed .pts: header says ${declared} points, found ${body.length}`);
  }
  const points = body.map((line, i): Point => {
    const parts = line.split(/\s+/);
    const x = Number(parts[0]);
    const y = Number(parts[1]);
    if (parts.length !== 2 || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new Error(`malformed .pts: point ${i + 1} is "${line}", expected "x y"`);
    }
    return [x - 1, y - 1];
  });
  if (points.length !== expected)
    throw new Error(`malformed .pts: expected ${expected} points, found ${points.length}`);
  return points;
}
