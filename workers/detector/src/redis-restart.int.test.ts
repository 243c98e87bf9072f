import { createUnwarpClient } from '@unwarp/jobs';
import { createFsStore } from '@unwarp/storage';
import { expect, it } from 'vitest';
import {
  freePort,
  removeDir,
  sleep,
  spawnWorker,
  startRedis,
  stopWorker,
  tempDir,
  tinyJpeg,
  uniquePrefix,
} from './_internal/testing.ts';

it('loses no job when Redis (AOF on) restarts, with jobs queued and while a worker runs', async () => {
  const redisDir = await tempDir('redis');
  const dataDir = await tempDir('restart');
  const port = await freePort();
  let redis = await startRedis(redisDir, port);
  const prefix = uniquePrefix();
  const client = createUnwarpClient({ redisUrl: redis.url, storage: createFsStore(dataDir), prefix });
  const worker = () => spawnWorker({ REDIS_URL: redis.url, UNWARP_QUEUE_PREFIX: prefix, UNWARP_DATA_DIR: dataDir });
  let w: ReturnType<typeof worker> | undefined;
  try {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++)
      ids.push((await client.submitAnalysis(await tinyJpeg(5000 + i), { fileName: `r${i}.jpg` })).id);

    // 1. Crash Redis (SIGKILL, no shutdown save) with every job still queued; AOF with fsync always keeps them.
    await redis.stop('SIGKILL');
    redis = await startRedis(redisDir, port);

    // 2. A worker starts and, once it is busy, Redis crashes again under it.
    w = worker();
    await w.waitFor((l) => l.msg === 'analysis done', 60_000);
    await redis.stop('SIGKILL');
    await sleep(1_500);
    redis = await startRedis(redisDir, port);

    const finished = await Promise.all(ids.map((id) => client.waitForAnalysis(id, { timeoutMs: 90_000 })));
    expect(finished.map((s) => s.status)).toEqual(ids.map(() => 'done'));
    // Each computed at most twice (a job in flight during the crash may rerun) and completed once.
    const done = w.logs.filter((l) => l.msg === 'analysis done').map((l) => l.jobId);
    expect(new Set(done).size).toBe(ids.length);
  } finally {
    if (w) await stopWorker(w);
    await client.close();
    await redis.stop('SIGTERM');
    await removeDir(redisDir);
    await removeDir(dataDir);
  }
}, 150_000);
