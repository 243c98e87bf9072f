import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file that holds turbo.json. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'turbo.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (turbo.json)');
    dir = up;
  }
  return dir;
}

/** The shared photo pools beside the repository, overridable with UNWARP_DATA_POOLS. */
export function dataDir(): string {
  return process.env.UNWARP_DATA_POOLS ?? path.resolve(repoRoot(), '../shared/data');
}
