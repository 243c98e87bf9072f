import { createQueueEvents, createUnwarpClient, createWorkerConnection } from '@unwarp/jobs';
import { createFsStore, resultKey } from '@unwarp/storage';
import { Queue } from 'bullmq';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import {
  photos,
  REDIS_URL,
  removeDir,
  type SpawnedWorker,
  sleep,
  spawnWorker,
  stopWorker,
  tempDir,
  uniquePrefix,
} from './_internal/testing.ts';

const KILLS = Number(process.env.UNWARP_TEST_KILLS ?? 20);
const JOBS = KILLS + 8;
const POOL = 4;

it(`recovers jobs whose worker was SIGKILLed mid-job (${KILLS} times): 0 lost, 0 completed twice`, async () => {
  const dir = await tempDir('kill');
  const prefix = uniquePrefix();
  const store = createFsStore(dir);
  const client = createUnwarpClient({ redisUrl: REDIS_URL, storage: store, prefix });
  const conn = createWorkerConnection(REDIS_URL);
  const queue = new Queue('analysis', { connection: conn, prefix });
  const events = createQueueEvents('analysis', conn.duplicate(), prefix);
  await events.waitUntilReady();
  const completions = new Map<string, number>();
  events.onCompleted((id) => completions.set(id, (completions.get(id) ?? 0) + 1));

  // Short locks so a dead worker's job is noticed in seconds, not the production 30 s.
  const env = {
    UNWARP_QUEUE_PREFIX: prefix,
    UNWARP_DATA_DIR: dir,
    UNWARP_LOCK_DURATION_MS: '2500',
    UNWARP_STALLED_INTERVAL_MS: '1000',
    UNWARP_MAX_STALLED_COUNT: '2',
  };
  const killed = new Set<string>();
  const targeted = new Set<string>();
  const live = new Set<SpawnedWorker>();
  const all: SpawnedWorker[] = [];
  let stop = false;

  // A job is killed at most once, on a start while it is still active: the worker holding it dies without warning
  // and a fresh worker replaces it.
  const supervise = (w: SpawnedWorker) => {
    live.add(w);
    all.push(w);
    let seen = 0;
    let busy = false;
    const tick = setInterval(() => {
      if (busy || stop) return;
      for (; seen < w.logs.length; seen++) {
        const l = w.logs[seen]!;
        const id = l.jobId;
        if (l.msg !== 'job started' || !id || targeted.has(id) || targeted.size >= KILLS) continue;
        targeted.add(id);
        busy = true;
        seen++;
        void (async () => {
          await sleep(50 + Math.random() * 250);
          const state = await (await queue.getJob(id))?.getState();
          // Only a kill while the job is still running counts; a job that already finished is left alone.
          if (state !== 'active' || stop) {
            targeted.delete(id);
            busy = false;
            return;
          }
          killed.add(id);
          clearInterval(tick);
          w.child.kill('SIGKILL');
          live.delete(w);
          if (!stop) supervise(spawnWorker(env));
        })();
        return;
      }
    }, 50);
    void w.exited.then(() => clearInterval(tick));
  };

  try {
    // Faces at 320 px: long enough in the pipeline (~0.3-1 s here) to be killed in the middle of it.
    const ids: string[] = [];
    for (const p of await photos(JOBS)) {
      const small = await sharp(p.bytes).resize(320).jpeg().toBuffer();
      ids.push((await client.submitAnalysis(small, { fileName: p.fileName })).id);
    }
    expect(new Set(ids).size).toBe(JOBS);
    for (let i = 0; i < POOL; i++) supervise(spawnWorker(env));
    await expect
      .poll(() => ids.filter((id) => completions.get(id)).length, { timeout: 170_000, interval: 500 })
      .toBe(JOBS);
    stop = true;
    await sleep(500);
    expect(killed.size).toBe(KILLS);
    // Exactly one completion per job, every result in storage, and each killed job was recovered as stalled.
    expect(ids.map((id) => completions.get(id))).toEqual(ids.map(() => 1));
    for (const id of ids) {
      expect(await store.has(resultKey(id, 'result.json'))).toBe(true);
      const job = await queue.getJob(id);
      expect(await job!.getState()).toBe('completed');
      if (killed.has(id)) expect(job!.stalledCounter).toBeGreaterThanOrEqual(1);
    }
    expect(await queue.getJobCounts('failed', 'waiting', 'active')).toEqual({ failed: 0, waiting: 0, active: 0 });
  } finally {
    stop = true;
    await Promise.all([...live].map((w) => stopWorker(w)));
    for (const w of all) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await events.close();
    await queue.close();
    conn.disconnect();
    await client.close();
    await removeDir(dir);
  }
}, 200_000);
