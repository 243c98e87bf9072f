import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertKey } from './keys.ts';
import type { ArtifactStore } from './store.ts';

/**
 * Local-filesystem store: one file per key under `root`. Writes go to a temp file in the same folder and are
 * renamed into place, so a crash (or a SIGKILLed worker) never leaves a half-written artifact under its real name,
 * and two workers writing the same content-addressed key both succeed.
 */
export function createFsStore(root: string): ArtifactStore {
  const base = path.resolve(root);
  const fileFor = (key: string) => {
    const file = path.join(base, ...assertKey(key).split('/'));
    // Belt and braces: the key pattern cannot escape `base`, but never trust one check with the filesystem.
    if (!file.startsWith(base + path.sep)) throw new Error(`key ${key} escapes the store root`);
    return file;
  };
  return {
    location: pathToFileURL(base).href,
    async put(key, bytes) {
      const file = fileFor(key);
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(fileFor(key)));
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },
    async has(key) {
      try {
        return (await stat(fileFor(key))).isFile();
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    async delete(key) {
      await rm(fileFor(key), { force: true });
    },
    async list(prefix) {
      const dir = path.join(base, ...prefix.split('/'));
      if (!dir.startsWith(base + path.sep) || prefix.includes('..')) throw new Error(`bad prefix ${prefix}`);
      try {
        const names = await readdir(dir, { withFileTypes: true });
        // Temp files of in-flight writes are not keys.
        return names.filter((d) => d.isFile() && !d.name.includes('.tmp-')).map((d) => `${prefix}/${d.name}`);
      } catch (err) {
        if (isNotFound(err)) return [];
        throw err;
      }
    },
  };
}

const isNotFound = (err: unknown) =>
  (err as NodeJS.ErrnoException)?.code === 'ENOENT' || (err as NodeJS.ErrnoException)?.code === 'ENOTDIR';
