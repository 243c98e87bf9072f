import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseStartEnv, parseWebEnv, parseWorkerEnv, repoRoot } from './env.ts';

describe('worker env', () => {
  it('has defaults that run on a fresh machine', () => {
    const env = parseWorkerEnv({});
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.dataDir).toBe(path.join(repoRoot(), 'data'));
    expect(env.concurrency).toBeGreaterThanOrEqual(1);
    expect(env.UNWARP_JOB_ATTEMPTS).toBe(3);
  });

  it('runs one job at a time on a GPU unless told otherwise', () => {
    expect(parseWorkerEnv({ UNWARP_BACKEND: 'gpu' }).concurrency).toBe(1);
    expect(parseWorkerEnv({ UNWARP_BACKEND: 'gpu', UNWARP_WORKER_CONCURRENCY: '2' }).concurrency).toBe(2);
  });

  it('shares the cores out between the sandboxes as wasm threads', () => {
    const cores = availableParallelism();
    expect(parseWorkerEnv({ UNWARP_WORKER_CONCURRENCY: '1' }).wasmThreads).toBe(cores);
    expect(parseWorkerEnv({ UNWARP_WORKER_CONCURRENCY: String(cores) }).wasmThreads).toBe(1);
    expect(parseWorkerEnv({ UNWARP_WORKER_CONCURRENCY: String(4 * cores) }).wasmThreads).toBe(1);
    expect(parseWorkerEnv({ UNWARP_WASM_THREADS: '3' }).wasmThreads).toBe(3);
    expect(() => parseWorkerEnv({ UNWARP_WASM_THREADS: '0' })).toThrow(/UNWARP_WASM_THREADS/);
  });

  it('names every bad variable and its value', () => {
    let err: unknown;
    try {
      parseWorkerEnv({ REDIS_URL: 'localhost', UNWARP_WORKER_CONCURRENCY: 'many', UNWARP_QUEUE_PREFIX: 'a:b' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toContain('REDIS_URL');
    expect(msg).toContain('"localhost"');
    expect(msg).toContain('UNWARP_WORKER_CONCURRENCY');
    expect(msg).toContain('UNWARP_QUEUE_PREFIX');
  });

  it('reads the webhook secret and the callback allow-list, and never prints the secret', () => {
    expect(parseWorkerEnv({}).UNWARP_WEBHOOK_SECRET).toBeUndefined();
    expect(parseWorkerEnv({ UNWARP_WEBHOOK_SECRET: '' }).UNWARP_WEBHOOK_SECRET).toBeUndefined();
    expect(parseWorkerEnv({ UNWARP_WEBHOOK_SECRET: 'x'.repeat(32) }).UNWARP_WEBHOOK_SECRET).toBe('x'.repeat(32));
    const allow = ' Receiver.local, 127.0.0.1 ,,[::1]';
    expect(parseWorkerEnv({ UNWARP_CALLBACK_ALLOW_HOSTS: allow }).UNWARP_CALLBACK_ALLOW_HOSTS).toEqual([
      'receiver.local',
      '127.0.0.1',
      '::1',
    ]);
    expect(parseWebEnv({ UNWARP_CALLBACK_ALLOW_HOSTS: allow }).UNWARP_CALLBACK_ALLOW_HOSTS).toEqual(
      parseWorkerEnv({ UNWARP_CALLBACK_ALLOW_HOSTS: allow }).UNWARP_CALLBACK_ALLOW_HOSTS,
    );
    expect(parseWebEnv({}).UNWARP_CALLBACK_ALLOW_HOSTS).toEqual([]);
    expect(() => parseWorkerEnv({ UNWARP_WEBHOOK_SECRET: 'hunter2' })).toThrow(
      /UNWARP_WEBHOOK_SECRET.*got 7 characters/,
    );
    expect(() => parseWorkerEnv({ UNWARP_WEBHOOK_SECRET: 'hunter2' })).not.toThrow(/hunter2/);
  });

  it('resolves a relative data dir against the working directory', () => {
    expect(parseWebEnv({ UNWARP_DATA_DIR: 'x/y' }).dataDir).toBe(path.resolve('x/y'));
    expect(parseStartEnv({}).REDIS_URL).toBeUndefined();
  });

  it('stops a process with a clear message and exit code 1', () => {
    const code = `import { loadOrExit, parseWorkerEnv } from './packages/config/src/index.ts'; loadOrExit(parseWorkerEnv);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: repoRoot(),
      env: { ...process.env, UNWARP_METRICS_PORT: '99999' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('invalid worker configuration');
    expect(r.stderr).toContain('UNWARP_METRICS_PORT');
  });
});
