/**
 * End-to-end queue benchmark (writes to stdout: this is a CLI, not a library).
 *   npm run bench -w @unwarp/detector            # BENCH_TINY=100 BENCH_BATCH=200 by default
 * 1. the processor's work called directly in this process (no queue) on tiny images;
 * 2. the same work through Redis + one worker process → jobs/s and queue overhead per job;
 * 3. a batch of real photos with 1 worker, then 2 workers → photos/minute.
 */
import { cpus, loadavg } from 'node:os';
import { AnalysisOptionsSchema, AnalyzeJobSchema, analysisId, createUnwarpClient } from '@unwarp/jobs';
import { createAnalyzer } from '@unwarp/pipeline';
import { createFsStore, sha256Hex, uploadKey } from '@unwarp/storage';
import { pino } from 'pino';
import {
  FIXTURE_MODEL,
  photos,
  REDIS_URL,
  removeDir,
  type SpawnedWorker,
  spawnWorker,
  stopWorker,
  tempDir,
  tinyJpeg,
  uniquePrefix,
} from '../src/_internal/testing.ts';
import { runAnalyzeJob } from '../src/analyze-job.ts';

const TINY = Number(process.env.BENCH_TINY ?? 100);
const BATCH = Number(process.env.BENCH_BATCH ?? 200);
const modelDir = process.env.UNWARP_MODEL_DIR ?? FIXTURE_MODEL;
const out = (s: string) => process.stdout.write(`${s}\n`);
const silent = pino({ level: 'silent' });

async function direct(images: Buffer[]) {
  const dir = await tempDir('bench-direct');
  const store = createFsStore(dir);
  const analyzer = await createAnalyzer({ modelDir });
  const options = AnalysisOptionsSchema.parse({});
  const jobs = await Promise.all(
    images.map(async (b) => {
      const sha = sha256Hex(b);
      await store.put(uploadKey(sha), b);
      return AnalyzeJobSchema.parse({
        analysisId: analysisId(sha, options, 'bench'),
        sha256: sha,
        options,
        submittedAt: new Date().toISOString(),
      });
    }),
  );
  // Warm-up outside the timing, as the worker's sandbox is warm after its first job.
  await analyzer.analyze(await tinyJpeg(1, 48));
  const t0 = performance.now();
  for (const data of jobs)
    await runAnalyzeJob(
      { id: data.analysisId, data, attemptsMade: 0, updateProgress: async () => {} },
      { store, analyzer: async () => analyzer, log: silent },
    );
  const ms = performance.now() - t0;
  analyzer.dispose();
  await removeDir(dir);
  return ms / images.length;
}

async function startWorkers(n: number, prefix: string, dir: string): Promise<SpawnedWorker[]> {
  const env = { UNWARP_QUEUE_PREFIX: prefix, UNWARP_DATA_DIR: dir, UNWARP_MODEL_DIR: modelDir, LOG_LEVEL: 'info' };
  const ws = Array.from({ length: n }, () => spawnWorker(env));
  await Promise.all(ws.map((w) => w.waitFor((l) => l.msg === 'detector worker started')));
  return ws;
}

/** Until every worker has loaded its model, so cold starts stay out of the measurement. */
async function warm(ws: SpawnedWorker[], client: ReturnType<typeof createUnwarpClient>) {
  for (let i = 0; ws.some((w) => !w.logs.some((l) => l.msg === 'model loaded')); i++) {
    const s = await client.submitAnalysis(await tinyJpeg(900_000 + i, 48));
    await client.waitForAnalysis(s.id, { timeoutMs: 120_000 });
    if (i > 40) throw new Error('workers did not warm up');
  }
}

async function viaQueue(images: Buffer[]) {
  const dir = await tempDir('bench-queue');
  const prefix = uniquePrefix();
  const client = createUnwarpClient({ redisUrl: REDIS_URL, storage: createFsStore(dir), prefix });
  const ws = await startWorkers(1, prefix, dir);
  await warm(ws, client);
  // Latency: one job at a time, submit → done event → status read.
  const one = Math.min(20, images.length);
  let t0 = performance.now();
  for (let i = 0; i < one; i++) {
    const s = await client.submitAnalysis(Buffer.concat([images[i]!, Buffer.from('latency')]));
    await client.waitForAnalysis(s.id, { timeoutMs: 120_000 });
  }
  const latencyMs = (performance.now() - t0) / one;
  // Throughput: everything queued at once.
  t0 = performance.now();
  const ids = [];
  for (const b of images) ids.push((await client.submitAnalysis(b)).id);
  const enqueueMs = (performance.now() - t0) / images.length;
  for (const id of ids) await client.waitForAnalysis(id, { timeoutMs: 600_000 });
  const ms = performance.now() - t0;
  await Promise.all(ws.map((w) => stopWorker(w)));
  await client.close();
  await removeDir(dir);
  return { msPerJob: ms / images.length, jobsPerS: images.length / (ms / 1000), enqueueMs, latencyMs };
}

async function batch(nWorkers: number, files: { fileName: string; bytes: Buffer }[]) {
  const dir = await tempDir('bench-batch');
  const prefix = uniquePrefix();
  const client = createUnwarpClient({ redisUrl: REDIS_URL, storage: createFsStore(dir), prefix });
  const ws = await startWorkers(nWorkers, prefix, dir);
  await warm(ws, client);
  const t0 = performance.now();
  const { batchId } = await client.submitBatch(files);
  const b = await client.waitForBatch(batchId, { timeoutMs: 3_600_000, pollMs: 1_000 });
  const min = (performance.now() - t0) / 60_000;
  await Promise.all(ws.map((w) => stopWorker(w)));
  await client.close();
  await removeDir(dir);
  return { photosPerMin: files.length / min, minutes: min, failed: b.counts.failed };
}

const started = new Date();
out(
  `# queue bench ${started.toISOString()} — ${cpus().length} cores (${cpus()[0]?.model}), load avg ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, model ${modelDir}`,
);
const images = await Promise.all(Array.from({ length: TINY }, (_, i) => tinyJpeg(20_000 + i, 48)));
const d = await direct(images);
out(`direct (same process, no queue): ${d.toFixed(1)} ms/job, ${(1000 / d).toFixed(1)} jobs/s on ${TINY} 48 px images`);
const q = await viaQueue(
  images.map((_, i) => images[(i + 1) % images.length]!).map((b, i) => Buffer.concat([b, Buffer.from([i & 0xff])])),
);
out(
  `queue, one job at a time (1 worker): ${q.latencyMs.toFixed(1)} ms submit→done per job; queue overhead per job ≈ ${(q.latencyMs - d).toFixed(1)} ms`,
);
out(
  `queue, ${TINY} queued at once (1 worker, concurrency 1): ${q.msPerJob.toFixed(1)} ms/job, ${q.jobsPerS.toFixed(1)} jobs/s end to end; enqueue ${q.enqueueMs.toFixed(2)} ms/job; throughput overhead ≈ ${(q.msPerJob - d).toFixed(1)} ms/job`,
);
const files = await photos(BATCH);
for (const n of BATCH > 0 ? [1, 2] : []) {
  const r = await batch(n, files);
  out(
    `batch of ${files.length} photos, ${n} worker(s): ${r.photosPerMin.toFixed(1)} photos/min (${r.minutes.toFixed(2)} min, ${r.failed} failed)`,
  );
}
out(
  `# done in ${((Date.now() - started.getTime()) / 60_000).toFixed(1)} min, load avg now ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
