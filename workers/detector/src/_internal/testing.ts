import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '@unwarp/config';
import sharp from 'sharp';

/** Test helpers: real worker processes, private Redis servers, images. Never exported from the package. */
export const REPO = repoRoot();
export const FIXTURE_MODEL = path.join(REPO, 'packages/model/fixtures/tiny-model');
export const PHOTOS_DIR = path.join(REPO, '../shared/data/val/helen');
export const MAIN = path.join(REPO, 'workers/detector/src/main.ts');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const uniquePrefix = () => `test-${randomUUID().slice(0, 8)}`;
export const tempDir = (tag: string) => mkdtemp(path.join(tmpdir(), `unwarp-${tag}-`));

export type LogLine = { msg?: string; level?: number; jobId?: string; [k: string]: unknown };

export type SpawnedWorker = {
  child: ChildProcess;
  logs: LogLine[];
  /** Resolves with the first log line matching. */
  waitFor(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export function spawnWorker(env: Record<string, string>): SpawnedWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO,
    env: {
      ...process.env,
      UNWARP_MODEL_DIR: FIXTURE_MODEL,
      UNWARP_METRICS_PORT: '0',
      UNWARP_WORKER_CONCURRENCY: '1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      i = buf.indexOf('\n');
      let rec: LogLine;
      try {
        rec = JSON.parse(line) as LogLine;
      } catch {
        continue;
      }
      logs.push(rec);
      for (const w of [...waiters])
        if (w.pred(rec)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(rec);
        }
    }
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    logs,
    exited,
    waitFor(pred, timeoutMs = 60_000) {
      const hit = logs.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`worker log line not seen in ${timeoutMs} ms; stderr: ${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
}

export async function stopWorker(w: SpawnedWorker, signal: NodeJS.Signals = 'SIGTERM') {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return w.exited;
  w.child.kill(signal);
  return w.exited;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A private redis-server with AOF (fsync always) in `dir`, the production settings, on a free port. */
export async function startRedis(
  dir: string,
  port: number,
): Promise<{ url: string; stop(signal?: NodeJS.Signals): Promise<void> }> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (/Ready to accept connections/.test(d.toString())) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      child.kill(signal);
      await exited;
    },
  };
}

/** A small distinct JPEG per index (noise, so the bytes and the hash differ). */
export async function tinyJpeg(i: number, size = 64): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  let s = (i + 1) * 2654435761;
  for (let k = 0; k < raw.length; k++) {
    s = (s * 1103515245 + 12345) >>> 0;
    raw[k] = (s >>> 16) & 0xff;
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

export async function photos(n: number): Promise<{ fileName: string; bytes: Buffer }[]> {
  const names = (await readdir(PHOTOS_DIR))
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, n);
  return Promise.all(
    names.map(async (fileName) => ({ fileName, bytes: await readFile(path.join(PHOTOS_DIR, fileName)) })),
  );
}

export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real portrait and a Face-Aware edit of it (bigger eyes, narrower face), saved as a JPEG: the pair a journalist
 * would compare. Built with the Liquify simulator from the photo's own landmarks.
 */
export async function warpedPair(): Promise<{ original: Buffer; edited: Buffer; name: string }> {
  const { liquifyLandmarkedJpeg } = await import('@unwarp/liquify');
  const name = '299527853_1.jpg';
  const { original, edited } = await liquifyLandmarkedJpeg(path.join(PHOTOS_DIR, name), PORTRAIT_EDIT);
  return { original, edited, name };
}

const PORTRAIT_EDIT = [
  { slider: 'eyeSize', value: 70 },
  { slider: 'faceWidth', value: -60 },
] as const;
