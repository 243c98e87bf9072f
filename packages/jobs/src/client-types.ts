import type { ArtifactName, ComparisonReport, CoreArtifactName, Report } from '@unwarp/pipeline/report';
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
  /** Faces outlined by their JPEG history, in words ("right eye", "face 1: nose"); empty when none (@unwarp/pipeline). */
  historyBreaks?: string[];
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

export type CompareSubmitOptions = {
  /** Display names of the two photos; never used as paths. */
  editedName?: string;
  originalName?: string;
  /** POSTed `{ id, status, report? | error? }` when the comparison finishes (best effort, as for analyses). */
  callbackUrl?: string;
};

export type ComparisonStatus = {
  id: string;
  status: AnalysisState;
  editedSha256?: string;
  originalSha256?: string;
  editedName?: string;
  originalName?: string;
  stage?: JobStage;
  /** 0-100. */
  progress?: number;
  attempts?: number;
  /** The pipeline's ComparisonReportSchema (report.json), when done. */
  report?: ComparisonReport;
  /** Storage keys of the six artifacts; read them with `client.readComparisonArtifact(id, name)`. */
  artifacts?: Partial<Record<CoreArtifactName, string>>;
  error?: JobError;
};
