import { randomUUID } from 'node:crypto';
import { batchKey, createMemoryStore, resultKey, sha256Hex, uploadKey } from '@unwarp/storage';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createUnwarpClient, type UnwarpClient } from './client.ts';
import type { AnalysisEvent } from './client-types.ts';
import { InvalidInputError, RedisUnavailableError } from './errors.ts';
import { ANALYSIS_QUEUE } from './names.ts';
import { createWorkerConnection } from './redis.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: UnwarpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

// No worker runs here: these tests cover the producer side only (the worker suites cover processing).
function setup() {
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  const storage = createMemoryStore();
  const client = createUnwarpClient({ redisUrl: REDIS_URL, storage, prefix });
  clients.push(client);
  return { prefix, storage, client };
}

describe('producer', () => {
  it('queues one job per photo+options and stores the upload by its hash', async () => {
    const { client, storage, prefix } = setup();
    const bytes = new TextEncoder().encode('pretend jpeg');
    const a = await client.submitAnalysis(bytes, { fileName: 'a.jpg' });
    const b = await client.submitAnalysis(bytes, { fileName: 'b.jpg' });
    expect(a).toMatchObject({ status: 'queued', deduplicated: false });
    expect(b).toEqual({ id: a.id, status: 'queued', deduplicated: true });
    expect(await storage.has(uploadKey(a.id.slice(2, 66)))).toBe(true);
    const redis = new Redis(REDIS_URL);
    const queue = new Queue(ANALYSIS_QUEUE, { connection: redis, prefix });
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    const job = await queue.getJob(a.id);
    expect(job?.opts.attempts).toBe(3);
    expect(job?.opts.backoff).toMatchObject({ type: 'exponential', jitter: 0.5 });
    expect(job?.opts.removeOnComplete).toMatchObject({ age: 86400 });
    expect(await client.getAnalysis(a.id)).toMatchObject({ id: a.id, status: 'queued', fileName: 'a.jpg' });
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });

  it('answers from storage once a result exists, without touching the queue', async () => {
    const { client, storage } = setup();
    const bytes = new TextEncoder().encode('already analysed');
    const first = await client.submitAnalysis(bytes);
    await storage.put(resultKey(first.id, 'result.json'), new TextEncoder().encode('{}'));
    expect(await client.submitAnalysis(bytes)).toEqual({ id: first.id, status: 'done', deduplicated: true });
  });

  it('refuses bad options and unknown ids before Redis', async () => {
    const { client } = setup();
    await expect(client.submitAnalysis(new Uint8Array(3), { options: { threshold: 2 } })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      client.submitAnalysis(new Uint8Array(3), { callbackUrl: 'file:///etc/passwd' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(await client.getAnalysis('../../etc/passwd')).toBeNull();
    expect(await client.getBatch('b-nope')).toBeNull();
  });

  it('writes a batch manifest and one child per photo under a parent', async () => {
    const { client, storage, prefix } = setup();
    const files = ['x', 'y', 'x'].map((s, i) => ({ bytes: new TextEncoder().encode(s), fileName: `../${i}.jpg` }));
    const { batchId, ids } = await client.submitBatch(files);
    expect(ids).toEqual([`${batchId}.0`, `${batchId}.1`, `${batchId}.2`]);
    expect(await storage.has(batchKey(batchId, 'manifest.json'))).toBe(true);
    const b = await client.getBatch(batchId);
    expect(b).toMatchObject({ status: 'queued', counts: { total: 3, queued: 3, running: 0, done: 0, failed: 0 } });
    // The file name is only a label: it is kept as given and never used as a path.
    expect(b?.items.map((i) => i.file)).toEqual(['../0.jpg', '../1.jpg', '../2.jpg']);
    const redis = new Redis(REDIS_URL);
    const batchQueue = new Queue('batch', { connection: redis, prefix });
    expect(await (await batchQueue.getJob(batchId))?.getState()).toBe('waiting-children');
    for (const q of [batchQueue, new Queue(ANALYSIS_QUEUE, { connection: redis, prefix })]) {
      await q.obliterate({ force: true });
      await q.close();
    }
    redis.disconnect();
  });
});

describe('comparisons', () => {
  it('queue one compare job per pair on the analysis queue, with both uploads stored', async () => {
    const { client, storage, prefix } = setup();
    const edited = new TextEncoder().encode('pretend edited jpeg');
    const original = new TextEncoder().encode('pretend original jpeg');
    const a = await client.submitComparison(edited, original, { editedName: 'e.jpg', originalName: 'o.jpg' });
    const b = await client.submitComparison(edited, original);
    expect(a).toMatchObject({ status: 'queued', deduplicated: false });
    expect(a.id).toMatch(/^c-[0-9a-f]{64}$/);
    expect(b).toEqual({ id: a.id, status: 'queued', deduplicated: true });
    // The other way round is another comparison.
    expect((await client.submitComparison(original, edited)).id).not.toBe(a.id);
    for (const bytes of [edited, original]) expect(await storage.has(uploadKey(sha256Hex(bytes)))).toBe(true);
    const redis = new Redis(REDIS_URL);
    const queue = new Queue(ANALYSIS_QUEUE, { connection: redis, prefix });
    const job = await queue.getJob(a.id);
    expect(job?.name).toBe('compare');
    expect(job?.opts.attempts).toBe(3);
    expect(await client.getComparison(a.id)).toMatchObject({
      id: a.id,
      status: 'queued',
      editedName: 'e.jpg',
      originalName: 'o.jpg',
      editedSha256: sha256Hex(edited),
    });
    // Analyses and comparisons do not answer for each other's ids.
    expect(await client.getAnalysis(a.id)).toBeNull();
    expect(await client.getComparison('c-../../etc/passwd')).toBeNull();
    expect(await client.readComparisonArtifact('c-nope', 'heatmap.png')).toBeNull();
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });

  it('reach subscribers by comparison id: compare jobs share the analysis queue and its events', async () => {
    const { client, prefix } = setup();
    const { id } = await client.submitComparison(new TextEncoder().encode('edited'), new TextEncoder().encode('orig'));
    const events: AnalysisEvent[] = [];
    let finished = () => {};
    const ended = new Promise<void>((resolve) => (finished = resolve));
    const off = await client.subscribe(id, (e) => {
      events.push(e);
      if (e.type !== 'progress') finished();
    });
    // A stand-in for the detector worker: it only reports a stage and completes.
    const connection = createWorkerConnection(REDIS_URL);
    const worker = new Worker(
      ANALYSIS_QUEUE,
      async (job) => {
        await job.updateProgress({ stage: 'measuring', percent: 40 });
        return {};
      },
      { connection, prefix },
    );
    try {
      await ended;
      expect(events).toEqual([
        { type: 'progress', id, stage: 'measuring', progress: 40 },
        { type: 'done', id },
      ]);
    } finally {
      off();
      await worker.close();
      connection.disconnect();
      const redis = new Redis(REDIS_URL);
      const queue = new Queue(ANALYSIS_QUEUE, { connection: redis, prefix });
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    }
  });

  it('refuse a bad callback URL before Redis', async () => {
    const { client } = setup();
    await expect(
      client.submitComparison(new Uint8Array(3), new Uint8Array(4), { callbackUrl: 'file:///etc/passwd' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('Redis down', () => {
  it('gives the producer a clear error fast', async () => {
    const client = createUnwarpClient({
      redisUrl: 'redis://127.0.0.1:1',
      storage: createMemoryStore(),
      connectTimeoutMs: 1_500,
    });
    clients.push(client);
    const t0 = Date.now();
    const err = await client.submitAnalysis(new Uint8Array([1, 2, 3])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect((err as Error).message).toMatch(/^Redis is not reachable at redis:\/\/127\.0\.0\.1:1/);
    expect(Date.now() - t0).toBeLessThan(2_500);
    await expect(client.getAnalysis(`a-${'0'.repeat(64)}-${'0'.repeat(12)}`)).rejects.toBeInstanceOf(
      RedisUnavailableError,
    );
  });
});
