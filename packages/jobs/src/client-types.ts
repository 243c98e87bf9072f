import type { ArtifactName, Report } from '@unwarp/pipeline/report';
import type { AnalysisOptions, JobError, JobStage } from './schemas.ts';

export type AnalysisState = 'queued' | 'running' | 'done' | 'failed';

export type SubmitOptions = {
  /** Shown in reports and exports; never used as a path. */
  fileName?: string;
  options?: Partial<AnalysisOptions>;
  /** POSTed `{ id, status, report? | error? }` when the job finishes (best effort, see README). */
  callbackUrl?: string;
};

export type Submitted = { id: string; status: AnalysisState; deduplicated: boolean };

export type AnalysisStatus = {
  id: string;
  status: AnalysisState;
  sha256?: string;
  fileName?: string;
  stage?: JobStage;
  /** 0-100. */
  progress?: number;
  /** Attempts started so far (retries and stalled restarts included). */
  attempts?: number;
  report?: Report;
  /** Storage keys of the artifacts; read them with `client.readArtifact(id, name)`. */
  artifacts?: Partial<Record<ArtifactName, string>>;
  error?: JobError;
};

export type BatchFile = { bytes: Uint8Array; fileName: string };

export type BatchItem = {
  id: string;
  file: string;
  sha256: string;
  status: AnalysisState;
  probability?: number;
  verdict?: string;
  faces?: number;
  maxDisplacementPx?: number;
  error?: JobError;
};

export type BatchCounts = { total: number; queued: number; running: number; done: number; failed: number };

export type BatchStatus = {
  batchId: string;
  /** `done` once every item is done or failed. */
  status: 'queued' | 'running' | 'done';
  createdAt: string;
  counts: BatchCounts;
  items: BatchItem[];
};

export type AnalysisEvent =
  | { type: 'progress'; id: string; stage: JobStage; progress: number }
  | { type: 'done'; id: string }
  | { type: 'failed'; id: string; error: JobError };
