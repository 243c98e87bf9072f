import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

// A fresh process per thread count: the backend starts once per process. It must also exit by itself, which a
// ref'd pthread worker would prevent (the 30 s timeout fails the test then).
async function convIn(threads: number) {
  const script = `
    import { initBackend } from '${pathToFileURL(path.join(import.meta.dirname, 'backend.ts')).href}';
    const { tf, info } = await initBackend({ wanted: 'wasm' });
    const x = tf.tensor4d(Float32Array.from({ length: 64 * 64 * 8 }, (_, i) => Math.sin(i * 0.37)), [1, 64, 64, 8]);
    const w = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 8 * 16 }, (_, i) => Math.cos(i * 0.11)), [3, 3, 8, 16]);
    const y = tf.conv2d(tf.conv2d(x, w.slice([0, 0, 0, 0], [3, 3, 8, 8]), 2, 'same'), w.slice([0, 0, 0, 0], [3, 3, 8, 16]), 1, 'same');
    console.log(JSON.stringify({ threads: info.threads, y: Array.from(await y.data()) }));
  `;
  // A file, not -e: the pthread workers inherit the process's flags, and --input-type breaks theirs.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'unwarp-threads-test-')), 'conv.mts');
  fs.writeFileSync(file, script);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
    cwd: import.meta.dirname,
    env: { ...process.env, UNWARP_WASM_THREADS: String(threads) },
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { threads: number; y: number[] };
}

describe('wasm backend threads', () => {
  it('runs XNNPACK on two threads in Node, gives the one-thread results, and lets the process exit', async () => {
    const one = await convIn(1);
    const two = await convIn(2);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.y.length).toBe(32 * 32 * 16);
    for (let i = 0; i < one.y.length; i++) expect(two.y[i]).toBeCloseTo(one.y[i]!, 4);
  });
});
