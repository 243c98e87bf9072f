import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isRedisReachable } from '@unwarp/jobs';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { ARTIFACTS, FIXTURE_MODEL, PHOTOS_DIR, REPO, type Stack, WEB } from './paths.ts';

const hash = (k: string) => createHash('sha256').update(k).digest('hex');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function onPath(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Newest mtime under a folder, skipping build output and dependencies. */
function newest(dir: string): number {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.next' || e.name.startsWith('.turbo')) continue;
    const p = path.join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; log: string; timeoutMs: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(opts.log);
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}; see ${opts.log}`));
    });
  });
}

/** `next build` only when a source of the web app or of a package it bundles is newer than the last build. */
async function buildIfStale(): Promise<void> {
  const buildId = path.join(WEB, '.next/BUILD_ID');
  const sources = Math.max(
    newest(WEB),
    ...['jobs', 'storage', 'config', 'pipeline'].map((p) => newest(path.join(REPO, 'packages', p, 'src'))),
  );
  if (existsSync(buildId) && statSync(buildId).mtimeMs > sources) return;
  await run(path.join(REPO, 'node_modules/.bin/next'), ['build'], {
    cwd: WEB,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    log: path.join(ARTIFACTS, 'next-build.log'),
    timeoutMs: 8 * 60_000,
  });
}

type Proc = { child: ChildProcess; name: string; exited: Promise<void> };

function start(
  name: string,
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Proc & { waitForOutput(re: RegExp, ms: number): Promise<void> } {
  const log = createWriteStream(path.join(ARTIFACTS, `${name}.log`));
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const feed = (d: Buffer) => {
    log.write(d);
    seen = (seen + d.toString()).slice(-20_000);
    for (const w of [...waiters]) {
      if (!w.re.test(seen)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout!.on('data', feed);
  child.stderr!.on('data', feed);
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    child,
    name,
    exited,
    waitForOutput(re, ms) {
      if (re.test(seen)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () =>
            reject(
              new Error(
                `${name} did not start within ${ms} ms; its log is ${path.join(ARTIFACTS, `${name}.log`)}:\n${seen.slice(-3000)}`,
              ),
            ),
          ms,
        );
        child.once('exit', (code) =>
          reject(new Error(`${name} exited with ${code} while starting:\n${seen.slice(-3000)}`)),
        );
        waiters.push({
          re,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
      });
    },
  };
}

async function stop(p: Proc | undefined, ms = 15_000) {
  if (!p || p.child.exitCode !== null) return;
  p.child.kill('SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = await Promise.race([
    p.exited.then(() => false),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(true), ms))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

export default async function setup(project: TestProject) {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (!existsSync(PHOTOS_DIR))
    throw new Error(`e2e: the photos folder ${PHOTOS_DIR} is missing (shared data set, read in place)`);

  // Redis: the one given (or the local default); otherwise a private server if redis-server is installed.
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let privateRedis: ReturnType<typeof start> | undefined;
  if (!(await isRedisReachable(redisUrl))) {
    if (!onPath('redis-server'))
      throw new Error(
        `e2e: no Redis at ${redisUrl} and redis-server is not installed. Install it with: apt-get install -y redis-server (or set REDIS_URL)`,
      );
    const port = await freePort();
    privateRedis = start(
      'redis',
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      REPO,
      process.env,
    );
    await privateRedis.waitForOutput(/Ready to accept connections/, 15_000);
    redisUrl = `redis://127.0.0.1:${port}`;
  }

  await buildIfStale();

  const prefix = `e2e-${randomUUID().slice(0, 8)}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'unwarp-e2e-'));
  const key = `uw_${randomBytes(18).toString('base64url')}`;
  const limitedKey = `uw_${randomBytes(18).toString('base64url')}`;
  const webhookSecret = randomBytes(24).toString('hex');
  const maxUploadBytes = 4 * 1024 * 1024;
  const common = {
    ...process.env,
    REDIS_URL: redisUrl,
    UNWARP_QUEUE_PREFIX: prefix,
    UNWARP_DATA_DIR: dataDir,
    UNWARP_WEBHOOK_SECRET: webhookSecret,
    // Loopback is refused by default; the test's webhook receiver listens there. Web and worker both check it.
    UNWARP_CALLBACK_ALLOW_HOSTS: '127.0.0.1',
    LOG_LEVEL: 'info',
    NEXT_TELEMETRY_DISABLED: '1',
  };

  const worker = start(
    'worker',
    process.execPath,
    ['--import', 'tsx', path.join(REPO, 'workers/detector/src/main.ts')],
    REPO,
    {
      ...common,
      UNWARP_MODEL_DIR: FIXTURE_MODEL,
      UNWARP_METRICS_PORT: '0',
      UNWARP_WORKER_CONCURRENCY: '1',
      UNWARP_CALLBACK_TIMEOUT_MS: '3000',
    },
  );
  const port = await freePort();
  const web = start(
    'web',
    path.join(REPO, 'node_modules/.bin/next'),
    ['start', '-p', String(port), '-H', '127.0.0.1'],
    WEB,
    {
      ...common,
      NODE_ENV: 'production',
      PORT: String(port),
      UNWARP_API_KEYS: `${hash(key)},${hash(limitedKey)}:3`,
      UNWARP_RATE_LIMIT_PER_MINUTE: '1000',
      UNWARP_MAX_UPLOAD_BYTES: String(maxUploadBytes),
    },
  );
  const cleanup = async () => {
    await Promise.all([stop(web), stop(worker, 30_000)]);
    const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    r.on('error', () => {});
    try {
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await r.del(...keys);
      } while (cursor !== '0');
    } catch {
      // Redis gone already: nothing to clean.
    }
    r.disconnect();
    await stop(privateRedis);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await Promise.all([
      worker.waitForOutput(/detector worker started/, 180_000),
      web.waitForOutput(/Ready in|started server|Local:/, 120_000),
    ]);
  } catch (err) {
    await cleanup();
    throw err;
  }
  const stack: Stack = {
    baseUrl: `http://127.0.0.1:${port}`,
    key,
    limitedKey,
    webhookSecret,
    maxUploadBytes,
    prefix,
    redisUrl,
  };
  project.provide('stack', stack);
  return cleanup;
}
