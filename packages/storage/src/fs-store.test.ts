import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFsStore } from './fs-store.ts';
import { InvalidKeyError, resultKey, uploadKey } from './keys.ts';
import { createMemoryStore } from './memory-store.ts';
import { sha256Hex } from './store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'unwarp-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['fs', () => createFsStore(dir)],
  ['memory', () => createMemoryStore()],
])('%s store', (_name, make) => {
  it('round-trips bytes and answers has/get/list/delete', async () => {
    const store = make();
    const bytes = new TextEncoder().encode('hello');
    const key = uploadKey(sha256Hex(bytes));
    expect(await store.get(key)).toBeNull();
    expect(await store.has(key)).toBe(false);
    await store.put(key, bytes);
    expect(await store.has(key)).toBe(true);
    expect(new TextDecoder().decode((await store.get(key))!)).toBe('hello');
    await store.put(resultKey('a-1', 'report.json'), bytes);
    await store.put(resultKey('a-1', 'heatmap.png'), bytes);
    expect((await store.list('results/a-1')).sort()).toEqual(['results/a-1/heatmap.png', 'results/a-1/report.json']);
    await store.delete(key);
    expect(await store.has(key)).toBe(false);
  });

  it.each([
    '../etc/passwd',
    'uploads/../../x',
    'uploads/.hidden',
    'uploads/a b',
    'other/x',
    'uploads',
    '/uploads/x',
    'uploads/x/y/z',
    'results/a/..',
  ])('refuses the unsafe key %s', async (key) => {
    const store = make();
    await expect(store.put(key, new Uint8Array(1))).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
  });
});

describe('fs store atomicity', () => {
  it('leaves no temp files behind and lets concurrent writers of one key both succeed', async () => {
    const store = createFsStore(dir);
    const key = resultKey('a-2', 'report.json');
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(key, new TextEncoder().encode(`v${i % 2}`))));
    expect(['v0', 'v1']).toContain(new TextDecoder().decode((await store.get(key))!));
    expect(await readdir(path.join(dir, 'results', 'a-2'))).toEqual(['report.json']);
  });

  it('rejects a malformed sha256 for uploads', () => {
    expect(() => uploadKey('abc')).toThrow(InvalidKeyError);
  });
});
