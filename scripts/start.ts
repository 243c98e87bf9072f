/**
 * `npm start`: the whole service on one machine.
 *   Redis: $REDIS_URL, else one on localhost:$UNWARP_REDIS_PORT (6379), else a private redis-server from PATH with
 *   AOF under $UNWARP_DATA_DIR/redis, else instructions and exit 1.
 *   Then $UNWARP_WORKERS detector workers (default 1) and the web app (UNWARP_WEB=off to skip).
 *   Ctrl-C / SIGTERM: web and workers get one SIGTERM (workers finish or release their jobs), then Redis stops.
 * Children run in their own process groups so a terminal Ctrl-C reaches them once, from here, in order.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadOrExit, parseStartEnv, repoRoot } from '@unwarp/config';
import { isRedisReachable } from '@unwarp/jobs';

const root = repoRoot();
const env = loadOrExit(parseStartEnv);
const say = (msg: string) => process.stdout.write(`[start] ${msg}\n`);

/** How the web app is started; adjust here when apps/web changes. */
function webCommand(): { cmd: string; args: string[]; why: string } | { skip: string } {
  const web = path.join(root, 'apps/web');
  if (env.UNWARP_WEB === 'off') return { skip: 'UNWARP_WEB=off' };
  if (!existsSync(path.join(web, 'package.json'))) return { skip: 'apps/web does not exist' };
  if (existsSync(path.join(web, '.next')))
    return { cmd: 'npm', args: ['run', 'start', '-w', '@unwarp/web'], why: 'production build found (apps/web/.next)' };
  const hasNext = existsSync(path.join(root, 'node_modules/next/package.json'));
  const hasRoutes = ['app', 'src/app', 'pages', 'src/pages'].some((d) => existsSync(path.join(web, d)));
  if (hasNext && hasRoutes)
    return { cmd: 'npm', args: ['run', 'dev', '-w', '@unwarp/web'], why: 'no build yet: next dev' };
  return { skip: 'apps/web has no build and no pages yet (run `npm run build -w @unwarp/web` once it has)' };
}

const children: { name: string; proc: ChildProcess }[] = [];
let redisChild: ChildProcess | undefined;
let stopping = false;

function run(name: string, cmd: string, args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
  const proc = spawn(cmd, args, { cwd: root, env: { ...process.env, ...extraEnv }, stdio: 'inherit', detached: true });
  proc.on('exit', (code, signal) => {
    if (!stopping) say(`${name} exited (${signal ?? code}); stopping everything`);
    if (!stopping) void shutdown(1);
  });
  return proc;
}

async function resolveRedis(): Promise<string> {
  if (env.REDIS_URL) {
    if (await isRedisReachable(env.REDIS_URL)) return env.REDIS_URL;
    say(
      `REDIS_URL=${env.REDIS_URL.replace(/\/\/[^@/]*@/, '//***@')} is not reachable. Start that Redis or unset REDIS_URL.`,
    );
    process.exit(1);
  }
  const local = `redis://127.0.0.1:${env.UNWARP_REDIS_PORT}`;
  if (await isRedisReachable(local)) {
    say(`using the Redis already listening at ${local}`);
    return local;
  }
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    say(
      [
        `no Redis at ${local} and no redis-server on PATH. Install one of:`,
        '  Debian/Ubuntu: sudo apt-get install redis-server',
        '  macOS:         brew install redis',
        '  container:     docker run -d -p 6379:6379 redis:7 redis-server --appendonly yes --maxmemory-policy noeviction',
        'or point REDIS_URL at an existing Redis, then run npm start again.',
      ].join('\n'),
    );
    process.exit(1);
  }
  const dir = path.join(env.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  say(`starting a private redis-server on ${local} (AOF in ${dir})`);
  // BullMQ's production settings: AOF on, never evict a key.
  redisChild = spawn(
    'redis-server',
    [
      '--port',
      String(env.UNWARP_REDIS_PORT),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  );
  redisChild.on('exit', (code) => {
    if (!stopping) {
      say(`redis-server exited (${code}); stopping everything`);
      void shutdown(1);
    }
  });
  for (let i = 0; i < 50; i++) {
    if (await isRedisReachable(local)) return local;
    await new Promise((r) => setTimeout(r, 200));
  }
  say('redis-server did not come up within 10 s');
  return shutdown(1);
}

async function waitExit(proc: ChildProcess, ms: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      resolve();
    }, ms);
    proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

async function shutdown(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  stopping = true;
  say('stopping: web and workers first, then Redis');
  for (const c of children) c.proc.kill('SIGTERM');
  await Promise.all(children.map((c) => waitExit(c.proc, 35_000)));
  if (redisChild) {
    redisChild.kill('SIGTERM'); // redis-server flushes the AOF on SIGTERM
    await waitExit(redisChild, 10_000);
  }
  say('stopped');
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const redisUrl = await resolveRedis();
const shared = { REDIS_URL: redisUrl, UNWARP_DATA_DIR: env.dataDir, UNWARP_QUEUE_PREFIX: env.UNWARP_QUEUE_PREFIX };
for (let i = 0; i < env.UNWARP_WORKERS; i++) {
  const metricsPort = String(Number(process.env.UNWARP_METRICS_PORT ?? 9464) + i);
  children.push({
    name: `worker ${i + 1}`,
    proc: run(`worker ${i + 1}`, process.execPath, ['--import', 'tsx', 'workers/detector/src/main.ts'], {
      ...shared,
      UNWARP_METRICS_PORT: metricsPort,
    }),
  });
  say(`worker ${i + 1}: metrics and health on http://127.0.0.1:${metricsPort}/metrics, /healthz`);
}
const web = webCommand();
if ('skip' in web) say(`web app skipped: ${web.skip}`);
else {
  say(`web app: ${web.why}`);
  children.push({ name: 'web', proc: run('web', web.cmd, web.args, shared) });
}
say('running; Ctrl-C stops everything');
