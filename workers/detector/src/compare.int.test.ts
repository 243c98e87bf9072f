import { createUnwarpClient, type UnwarpClient } from '@unwarp/jobs';
import { CORE_ARTIFACTS, ComparisonReportSchema } from '@unwarp/pipeline/report';
import { createFsStore, resultKey } from '@unwarp/storage';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REDIS_URL,
  removeDir,
  type SpawnedWorker,
  spawnWorker,
  stopWorker,
  tempDir,
  uniquePrefix,
  warpedPair,
} from './_internal/testing.ts';

// A real worker process takes `compare` jobs from the analysis queue beside `analyze` jobs.
let dir: string;
let worker: SpawnedWorker;
let client: UnwarpClient;
let pair: Awaited<ReturnType<typeof warpedPair>>;

beforeAll(async () => {
  dir = await tempDir('compare');
  const prefix = uniquePrefix();
  worker = spawnWorker({ UNWARP_QUEUE_PREFIX: prefix, UNWARP_DATA_DIR: dir });
  client = createUnwarpClient({ redisUrl: REDIS_URL, storage: createFsStore(dir), prefix });
  pair = await warpedPair();
  await worker.waitFor((l) => l.msg === 'detector worker started');
});

afterAll(async () => {
  await client?.close();
  if (worker) await stopWorker(worker);
  await removeDir(dir);
});

describe('compare jobs', () => {
  it('measure the warp between a real photo and its Face-Aware edit, store six artifacts and result.json', async () => {
    const sub = await client.submitComparison(pair.edited, pair.original, {
      editedName: 'edited.jpg',
      originalName: pair.name,
    });
    expect(sub).toMatchObject({ status: 'queued', deduplicated: false });
    const done = await client.waitForComparison(sub.id, { timeoutMs: 110_000 });
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('done');
    const report = ComparisonReportSchema.parse(done.report);
    expect(report.edited.file).toBe('edited.jpg');
    expect(report.original.file).toBe(pair.name);
    // The edit moved eyes and jaw by several pixels; undoing the measured warp brings the photo closer to the original.
    expect(report.displacement.max).toBeGreaterThan(2);
    expect(report.movedShare).toBeGreaterThan(0);
    expect(report.psnr.recoveredVsOriginal).toBeGreaterThan(report.psnr.editedVsOriginal);
    // The sandbox loaded a face detector: per-region numbers for the one face.
    expect(report.faces).toHaveLength(1);
    expect(report.faces[0]!.regions.leftEye!.max).toBeGreaterThan(1);
    const store = createFsStore(dir);
    expect(Object.keys(done.artifacts ?? {}).sort()).toEqual([...CORE_ARTIFACTS].sort());
    for (const key of Object.values(done.artifacts ?? {})) expect(await store.has(key)).toBe(true);
    expect(await store.has(resultKey(sub.id, 'result.json'))).toBe(true);
    const heat = await client.readComparisonArtifact(sub.id, 'heatmap.png');
    expect((await sharp(heat!).metadata()).width).toBe(report.edited.width);

    // The same pair again: answered from storage, nothing recomputed.
    expect(await client.submitComparison(pair.edited, pair.original)).toEqual({
      id: sub.id,
      status: 'done',
      deduplicated: true,
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(worker.logs.filter((l) => l.msg === 'comparison done')).toHaveLength(1);
  });

  it('fails photos framed differently once, with code framing, without retrying', async () => {
    const cropped = await sharp(pair.original).extract({ left: 0, top: 0, width: 300, height: 200 }).jpeg().toBuffer();
    const sub = await client.submitComparison(cropped, pair.original, { editedName: 'cropped.jpg' });
    const s = await client.waitForComparison(sub.id, { timeoutMs: 60_000 });
    expect(s.status).toBe('failed');
    expect(s.error).toMatchObject({ code: 'framing', retryable: false });
    expect(s.error!.message).toMatch(/framed differently/);
    expect(s.attempts).toBe(1);
    expect(worker.logs.filter((l) => l.msg === 'job started' && l.jobId === sub.id)).toHaveLength(1);
    // The failure is stored, so it outlives Redis, and the same pair is not retried.
    await expect.poll(() => createFsStore(dir).has(resultKey(sub.id, 'error.json')), { timeout: 5_000 }).toBe(true);
    expect(await client.submitComparison(cropped, pair.original)).toMatchObject({
      id: sub.id,
      status: 'failed',
      deduplicated: true,
    });
  });

  it('fails bytes that are not an image with the decoder code', async () => {
    const sub = await client.submitComparison(Buffer.from('not an image at all'), pair.original);
    const s = await client.waitForComparison(sub.id, { timeoutMs: 60_000 });
    expect(s.status).toBe('failed');
    expect(s.error?.retryable).toBe(false);
    expect(['corrupt', 'unsupported']).toContain(s.error?.code);
    expect(s.attempts).toBe(1);
  });
});
