import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root: the nearest folder above `fromUrl` that holds turbo.json. */
export function repoRoot(fromUrl: string): string {
  let dir = path.dirname(fileURLToPath(fromUrl));
  while (!existsSync(path.join(dir, 'turbo.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no turbo.json above ${fromUrl}`);
    dir = up;
  }
  return dir;
}

/** The shared photo pools (read in place, never copied into the repo), or undefined where this host lacks them. */
export function sharedData(fromUrl: string): { dir: string | undefined; skipNote: string } {
  const dir = path.resolve(repoRoot(fromUrl), '../shared/data');
  const ok = existsSync(path.join(dir, 'val', 'helen'));
  return { dir: ok ? dir : undefined, skipNote: ok ? '' : ` [SKIPPED: photo pools not found at ${dir}]` };
}
