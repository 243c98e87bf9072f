import { readdir } from 'node:fs/promises';
import path from 'node:path';
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

export type PhotoRef = { id: string; photoId: string; imagePath: string; ptsPath: string };

const IMAGE = /\.(jpe?g|png|webp)$/i;

/**
 * Photos that have a 68-point `.pts` file beside them, from one or more folders (recursively).
 * `photoId` groups the 300-W copies of one picture (`100040721_1.jpg`, `100040721_2.jpg`) for fair splits.
 */
export async function listLandmarkedPhotos(dirs: readonly string[]): Promise<PhotoRef[]> {
  const refs: PhotoRef[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (IMAGE.test(e.name)) {
        const stem = e.name.replace(IMAGE, '');
        if (!names.has(`${stem}.pts`)) continue;
        const cut = stem.lastIndexOf('_');
        refs.push({
          id: `${path.basename(dir)}/${stem}`,
          photoId: `${path.basename(dir)}/${cut > 0 ? stem.slice(0, cut) : stem}`,
          imagePath: full,
          ptsPath: path.join(dir, `${stem}.pts`),
        });
      }
    }
  };
  for (const d of dirs) await walk(d);
  return refs;
}

/** The first annotation of each photo id: one face per picture, so timings and errors are per photo. */
export function onePerPhoto(refs: readonly PhotoRef[]): PhotoRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => !seen.has(r.photoId) && seen.add(r.photoId));
}
