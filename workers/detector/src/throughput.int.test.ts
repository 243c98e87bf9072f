import { createQueueEvents, createUnwarpClient, createWorkerConnection } from '@unwarp/jobs';
import { createFsStore } from '@unwarp/storage';
import { Queue } from 'bullmq';
import { expect, it } from 'vitest';
import { REDIS_URL, removeDir, spawnWorker, stopWorker, tempDir, tinyJpeg, uniquePrefix } from './_internal/testing.ts';

const N = Number(process.env.UNWARP_TEST_JOBS ?? 500);

it(`runs ${N} small jobs through the real pipeline on 2 workers, each exactly once`, async () => {
  const dir = await tempDir('throughput');
  const prefix = uniquePrefix();
  const client = createUnwarpClient({ redisUrl: REDIS_URL, storage: createFsStore(dir), prefix });
  const conn = createWorkerConnection(REDIS_URL);
  const events = createQueueEvents('analysis', conn.duplicate(), prefix);
  await events.waitUntilReady();
  const completions = new Map<string, number>();
  events.onCompleted((id) => completions.set(id, (completions.get(id) ?? 0) + 1));
  const env = { UNWARP_QUEUE_PREFIX: prefix, UNWARP_DATA_DIR: dir };
  const workers = [spawnWorker(env), spawnWorker(env)];
  try {
    const images = await Promise.all(Array.from({ length: N }, (_, i) => tinyJpeg(10_000 + i, 48)));
    const ids: string[] = [];
    for (let i = 0; i < N; i += 50) {
      const chunk = await Promise.all(
        images.slice(i, i + 50).map((b, k) => client.submitAnalysis(b, { fileName: `t${i + k}.jpg` })),
      );
      ids.push(...chunk.map((s) => s.id));
    }
    expect(new Set(ids).size).toBe(N);
    // About 50 s alone; the wide limit keeps a busy machine (two test runs at once) from failing a count check.
    await expect.poll(() => completions.size, { timeout: 420_000, interval: 500 }).toBe(N);
    await new Promise((r) => setTimeout(r, 300));
    expect([...completions.values()].every((c) => c === 1)).toBe(true);
    const computedBy = workers.map((w) => w.logs.filter((l) => l.msg === 'analysis done').map((l) => l.jobId!));
    const computed = computedBy.flat();
    expect(computed).toHaveLength(N);
    expect(new Set(computed).size).toBe(N);
    // Both workers took a share.
    for (const c of computedBy) expect(c.length).toBeGreaterThan(N / 10);
    const queue = new Queue('analysis', { connection: conn, prefix });
    expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed')).toEqual({
      completed: N,
      failed: 0,
      waiting: 0,
      active: 0,
      delayed: 0,
    });
    await queue.close();
  } finally {
    await Promise.all(workers.map((w) => stopWorker(w)));
    await events.close();
    conn.disconnect();
    await client.close();
    await removeDir(dir);
  }
}, 450_000);
