import type { AnalysisStatus, BatchStatus, ComparisonStatus } from '@unwarp/jobs';
import type { ArtifactName, CoreArtifactName } from '@unwarp/pipeline/report';

/**
 * Files of a finished analysis the API serves, by URL name: every pipeline artifact (the compiler checks none is
 * missing); `ela.png` and `noise.png` exist only when the aids ran, `evidence.png` for analyses made since it
 * existed, `history.png` for JPEG uploads with a face. `original` is the uploaded photo.
 */
export const ARTIFACT_FILES = {
  'heatmap.png': { type: 'image/png' },
  'flow.png': { type: 'image/png' },
  'recovered.png': { type: 'image/png' },
  'compare.png': { type: 'image/png' },
  'evidence.png': { type: 'image/png' },
  'history.png': { type: 'image/png' },
  'ela.png': { type: 'image/png' },
  'noise.png': { type: 'image/png' },
  'flow.flo': { type: 'application/octet-stream' },
  'report.json': { type: 'application/json' },
} as const satisfies Record<ArtifactName, { type: string }>;
export type ArtifactFile = keyof typeof ARTIFACT_FILES;
export const ARTIFACT_URL_NAMES = [...Object.keys(ARTIFACT_FILES), 'original'] as const;

export const analysisUrls = (id: string) => ({
  statusUrl: `/api/v1/analyses/${id}`,
  eventsUrl: `/api/v1/analyses/${id}/events`,
  resultPage: `/analyses/${id}`,
});

/** GET /api/v1/analyses/{id}: the status, and when done the report and artifact URLs. */
export function presentAnalysis(s: AnalysisStatus) {
  const done = s.status === 'done';
  return {
    id: s.id,
    status: s.status,
    ...(s.stage ? { stage: s.stage } : {}),
    ...(s.progress !== undefined ? { progress: s.progress } : {}),
    ...(s.fileName ? { fileName: s.fileName } : {}),
    ...(s.sha256 ? { sha256: s.sha256 } : {}),
    ...analysisUrls(s.id),
    ...(done && s.report ? { report: s.report } : {}),
    ...(done
      ? {
          artifacts: Object.fromEntries(
            ARTIFACT_URL_NAMES.filter(
              (n) => n === 'original' || (n === 'report.json' ? true : s.artifacts?.[n as ArtifactFile] !== undefined),
            ).map((n) => [n, `/api/v1/analyses/${s.id}/${n}`]),
          ),
        }
      : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

export function presentBatch(b: BatchStatus, stages: Map<string, { stage?: string; progress?: number }>) {
  return {
    batchId: b.batchId,
    status: b.status,
    createdAt: b.createdAt,
    counts: b.counts,
    statusUrl: `/api/v1/batches/${b.batchId}`,
    exportUrls: {
      csv: `/api/v1/batches/${b.batchId}/export?format=csv`,
      jsonl: `/api/v1/batches/${b.batchId}/export?format=jsonl`,
    },
    page: `/batches/${b.batchId}`,
    items: b.items.map((it) => ({
      ...it,
      ...(stages.get(it.id) ?? {}),
      statusUrl: `/api/v1/analyses/${it.id}`,
      resultPage: `/analyses/${it.id}`,
    })),
  };
}

/** Files of a finished comparison: the six core artifacts (no aids), plus both uploads. */
export const COMPARISON_FILES = [
  'heatmap.png',
  'flow.png',
  'recovered.png',
  'compare.png',
  'flow.flo',
  'report.json',
] as const satisfies readonly CoreArtifactName[];
export const COMPARISON_URL_NAMES = [...COMPARISON_FILES, 'edited', 'original'] as const;

export const comparisonUrls = (id: string) => ({
  statusUrl: `/api/v1/comparisons/${id}`,
  eventsUrl: `/api/v1/comparisons/${id}/events`,
  resultPage: `/comparisons/${id}`,
});

/** GET /api/v1/comparisons/{id}: the status, and when done the report and artifact URLs. */
export function presentComparison(s: ComparisonStatus) {
  const done = s.status === 'done';
  return {
    id: s.id,
    status: s.status,
    ...(s.stage ? { stage: s.stage } : {}),
    ...(s.progress !== undefined ? { progress: s.progress } : {}),
    ...(s.editedName ? { editedName: s.editedName } : {}),
    ...(s.originalName ? { originalName: s.originalName } : {}),
    ...(s.editedSha256 ? { editedSha256: s.editedSha256 } : {}),
    ...(s.originalSha256 ? { originalSha256: s.originalSha256 } : {}),
    ...comparisonUrls(s.id),
    ...(done && s.report ? { report: s.report } : {}),
    ...(done
      ? { artifacts: Object.fromEntries(COMPARISON_URL_NAMES.map((n) => [n, `/api/v1/comparisons/${s.id}/${n}`])) }
      : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}
