import { formatFailure, type JobProgress, type JobStage, STAGE_PERCENT } from '@unwarp/jobs';
import type { ArtifactName } from '@unwarp/pipeline/report';
import { type ArtifactStore, resultKey, sha256Hex, uploadKey } from '@unwarp/storage';
import { UnrecoverableError } from 'bullmq';

/** The steps every job kind shares: payload check, stage clock, reading uploads, storing artifacts. */

export type ProgressSink = { updateProgress(p: JobProgress): Promise<unknown> };

/** The job's payload, or an UnrecoverableError that names every bad field (a bad payload never gets better). */
type Parser<T> = {
  safeParse(
    data: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
};

export function parsePayload<T>(schema: Parser<T>, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new UnrecoverableError(
      formatFailure(
        'invalid-payload',
        parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; '),
      ),
    );
  return parsed.data;
}

/** Wall time per stage, and a progress update as each stage starts. */
export function stageClock(job: ProgressSink) {
  const stageMs: Record<string, number> = {};
  let current: JobStage | undefined;
  let started = performance.now();
  const enter = (stage: JobStage) => {
    const now = performance.now();
    if (current) stageMs[current] = Math.round((stageMs[current] ?? 0) + now - started);
    current = stage;
    started = now;
    // Progress is advisory: a lost update must not fail the job.
    job.updateProgress({ stage, percent: STAGE_PERCENT[stage] }).catch(() => {});
  };
  return { stageMs, enter };
}

/** An upload's bytes, checked against the hash it is stored under; missing or altered uploads fail for good. */
export async function readUpload(store: ArtifactStore, sha: string, what: string): Promise<Buffer> {
  const bytes = await store.get(uploadKey(sha));
  if (!bytes)
    throw new UnrecoverableError(
      formatFailure('missing-upload', `the ${what} ${sha} is not in storage (${store.location})`),
    );
  if (sha256Hex(bytes) !== sha)
    throw new UnrecoverableError(
      formatFailure('missing-upload', `the stored ${what} does not match its sha256 ${sha}`),
    );
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Puts every rendered artifact under results/<id>/ and returns their storage keys. */
export async function storeArtifacts(
  store: ArtifactStore,
  id: string,
  files: Partial<Record<ArtifactName, Uint8Array>>,
): Promise<Partial<Record<ArtifactName, string>>> {
  const keys: Partial<Record<ArtifactName, string>> = {};
  await Promise.all(
    (Object.keys(files) as ArtifactName[]).map(async (name) => {
      const bytes = files[name];
      if (!bytes) return;
      const key = resultKey(id, name);
      await store.put(key, bytes);
      keys[name] = key;
    }),
  );
  return keys;
}
