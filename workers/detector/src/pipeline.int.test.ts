import { createUnwarpClient, type UnwarpClient } from '@unwarp/jobs';
import { createFsStore, resultKey } from '@unwarp/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  photos,
  REDIS_URL,
  removeDir,
  type SpawnedWorker,
  spawnWorker,
  stopWorker,
  tempDir,
  uniquePrefix,
} from './_internal/testing.ts';

// One real worker process (sandboxed pipeline, tiny fixture model) for the whole file: starting one costs seconds.
let dir: string;
let prefix: string;
let worker: SpawnedWorker;
let client: UnwarpClient;
const computed = () => worker.logs.filter((l) => l.msg === 'analysis done').length;

beforeAll(async () => {
  dir = await tempDir('pipeline');
  prefix = uniquePrefix();
  worker = spawnWorker({ UNWARP_QUEUE_PREFIX: prefix, UNWARP_DATA_DIR: dir });
  client = createUnwarpClient({ redisUrl: REDIS_URL, storage: createFsStore(dir), prefix });
  await worker.waitFor((l) => l.msg === 'detector worker started');
});

afterAll(async () => {
  await client?.close();
  if (worker) await stopWorker(worker);
  await removeDir(dir);
});

describe('detector worker, end to end', () => {
  it('processes an upload into a report and artifacts in storage, with progress per stage', async () => {
    const [p] = await photos(1);
    const stages: string[] = [];
    const sub = await client.submitAnalysis(p!.bytes, { fileName: p!.fileName });
    expect(sub).toMatchObject({ status: 'queued', deduplicated: false });
    const off = await client.subscribe(sub.id, (e) => e.type === 'progress' && stages.push(e.stage));
    const done = await client.waitForAnalysis(sub.id, { timeoutMs: 60_000 });
    off();
    expect(done.status).toBe('done');
    expect(done.report?.image.file).toBe(p!.fileName);
    expect(done.report?.image.sha256).toMatch(/^[0-9a-f]{64}$/);
    const store = createFsStore(dir);
    for (const key of Object.values(done.artifacts ?? {})) expect(await store.has(key)).toBe(true);
    expect(await store.has(resultKey(sub.id, 'result.json'))).toBe(true);
    const png = await client.readArtifact(sub.id, 'heatmap.png');
    expect(Buffer.from(png!.subarray(1, 4)).toString()).toBe('PNG');
    // Events are best effort (a fast stage can finish before the subscription), but the late stages are seen.
    expect(stages).toContain('storing');
  });

  it('computes the same photo once, however often it is submitted', async () => {
    const [, p] = await photos(2);
    const before = computed();
    const [a, b] = await Promise.all([
      client.submitAnalysis(p!.bytes, { fileName: 'a.jpg' }),
      client.submitAnalysis(p!.bytes, { fileName: 'b.jpg' }),
    ]);
    expect(a.id).toBe(b.id);
    await client.waitForAnalysis(a.id, { timeoutMs: 60_000 });
    const again = await client.submitAnalysis(p!.bytes, { fileName: 'c.jpg' });
    expect(again).toEqual({ id: a.id, status: 'done', deduplicated: true });
    // Other options are another analysis.
    const other = await client.submitAnalysis(p!.bytes, { options: { threshold: 0.7 } });
    expect(other.id).not.toBe(a.id);
    await client.waitForAnalysis(other.id, { timeoutMs: 60_000 });
    // The count comes from the worker's log on a pipe, which can trail the job's completion in Redis by a moment.
    await expect.poll(() => computed() - before, { timeout: 5_000 }).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(computed() - before).toBe(2);
  });

  it.each([
    ['zero bytes', Buffer.alloc(0), 'empty'],
    ['a corrupt JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 3]), 'corrupt'],
  ])('fails %s once, clearly, without retrying', async (_name, bytes, code) => {
    const sub = await client.submitAnalysis(bytes, { fileName: 'bad.jpg' });
    const s = await client.waitForAnalysis(sub.id, { timeoutMs: 30_000 });
    expect(s.status).toBe('failed');
    expect(s.error).toMatchObject({ code, retryable: false });
    expect(s.error!.message.length).toBeGreaterThan(10);
    expect(s.attempts).toBe(1);
    const startedForJob = worker.logs.filter((l) => l.msg === 'job started' && l.jobId === sub.id);
    expect(startedForJob).toHaveLength(1);
    // Resubmitting the same bad bytes does not start another attempt.
    expect(await client.submitAnalysis(bytes)).toMatchObject({ id: sub.id, status: 'failed', deduplicated: true });
  });

  it('runs a batch with a bad photo in it and exports it sorted by probability', async () => {
    const ps = await photos(5);
    const files = [
      ...ps.slice(2).map((p) => ({ bytes: p.bytes, fileName: p.fileName })),
      { bytes: Buffer.from('not an image'), fileName: '=HYPERLINK("x").jpg' },
    ];
    const { batchId, ids } = await client.submitBatch(files);
    expect(ids).toHaveLength(4);
    const b = await client.waitForBatch(batchId, { timeoutMs: 90_000, pollMs: 500 });
    expect(b.counts).toEqual({ total: 4, queued: 0, running: 0, done: 3, failed: 1 });
    const csv = await client.exportBatch(batchId, 'csv');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('file,sha256,probability,verdict,faces,max displacement px,jpeg history breaks,status,error');
    const probs = lines.slice(1, 4).map((l) => Number(l.split(',')[2]));
    expect([...probs].sort((x, y) => y - x)).toEqual(probs);
    // The failed item comes last, and its name cannot run as a spreadsheet formula.
    expect(lines[4]).toMatch(/^"'=HYPERLINK\(""x""\)\.jpg",[0-9a-f]{64},,,,,,failed,/);
    const jsonl = (await client.exportBatch(batchId, 'jsonl'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(jsonl.map((r) => r.status)).toEqual(['done', 'done', 'done', 'failed']);
    expect((await client.getAnalysis(ids[0]!))?.status).toBe('done');
    // The parent job ran once every child had finished, the bad one included.
    await expect.poll(() => worker.logs.some((l) => l.msg === 'job failed for good'), { timeout: 5_000 }).toBe(true);
  });

  it('serves /healthz and Prometheus /metrics', async () => {
    const started = await worker.waitFor((l) => l.msg === 'detector worker started');
    const base = `http://127.0.0.1:${started.port}`;
    const h = await fetch(`${base}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ ok: true, redis: 'ready' });
    const m = await (await fetch(`${base}/metrics`)).text();
    expect(m).toMatch(/^unwarp_jobs_completed_total \d+$/m);
    expect(m).toMatch(/^unwarp_jobs_failed_total\{final="true"\} [1-9]/m);
    expect(m).toMatch(/^unwarp_stage_duration_seconds_bucket\{stage="predicting",le="\+Inf"\} [1-9]/m);
    expect(m).toMatch(/^unwarp_queue_jobs\{queue="analysis",state="waiting"\} 0$/m);
  });

  it('finishes the running job on SIGTERM, then exits 0', async () => {
    const [, , , , , p] = await photos(6);
    const sub = await client.submitAnalysis(p!.bytes);
    await worker.waitFor((l) => l.msg === 'job started' && l.jobId === sub.id);
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect((await client.getAnalysis(sub.id))?.status).toBe('done');
  });
  it('releases a running job back to the queue when SIGTERM outlasts the grace period', async () => {
    const [, , , , , , p] = await photos(7);
    // The file's worker stopped in the test above: this one, with no grace at all, is the only one.
    const impatient = spawnWorker({ UNWARP_QUEUE_PREFIX: prefix, UNWARP_DATA_DIR: dir, UNWARP_SHUTDOWN_GRACE_MS: '0' });
    const sub = await client.submitAnalysis(p!.bytes);
    await impatient.waitFor((l) => l.msg === 'job started' && l.jobId === sub.id);
    impatient.child.kill('SIGTERM');
    expect((await impatient.exited).code).toBe(0);
    expect(
      impatient.logs.some((l) => l.msg === 'released unfinished job back to the queue' && l.jobId === sub.id),
    ).toBe(true);
    expect((await client.getAnalysis(sub.id))?.status).toBe('queued');
    // Released, not lost: the next worker starts it at once instead of waiting for a 30 s lock to expire.
    worker = spawnWorker({ UNWARP_QUEUE_PREFIX: prefix, UNWARP_DATA_DIR: dir });
    expect((await client.waitForAnalysis(sub.id, { timeoutMs: 45_000 })).status).toBe('done');
  });
});
