import { ARTIFACTS, CORE_ARTIFACTS, DEFAULT_THRESHOLD } from '@unwarp/pipeline/report';
import { describe, expect, it } from 'vitest';
import type { BatchItem } from './client-types.ts';
import { formatFailure, parseFailure, redactUrl } from './errors.ts';
import { csvCell, toCsv, toJsonl } from './export.ts';
import { analysisId, batchItemId, COMPARISON_ID, comparisonId, newBatchId, parseId } from './names.ts';
import {
  AnalysisOptionsSchema,
  ArtifactKeysSchema,
  CompareJobSchema,
  ComparisonArtifactKeysSchema,
} from './schemas.ts';

const sha = 'ab'.repeat(32);

describe('ids', () => {
  it('are deterministic from the bytes hash, the options and the model tag, not the file name', () => {
    const o = AnalysisOptionsSchema.parse({});
    expect(analysisId(sha, o, 'm1')).toBe(analysisId(sha, { noCrop: false, threshold: 0.5 }, 'm1'));
    expect(analysisId(sha, o, 'm1')).not.toBe(analysisId(sha, { ...o, threshold: 0.6 }, 'm1'));
    expect(analysisId(sha, o, 'm1')).not.toBe(analysisId(sha, { ...o, noCrop: true }, 'm1'));
    expect(analysisId(sha, o, 'm1')).not.toBe(analysisId(sha, o, 'm2'));
    // BullMQ refuses ':' in custom ids.
    expect(analysisId(sha, o, 'm1')).not.toContain(':');
  });

  it('classifies ids from the outside world', () => {
    const b = newBatchId();
    expect(parseId(analysisId(sha, { noCrop: false, threshold: 0.5 }, 'm')).kind).toBe('analysis');
    expect(parseId(batchItemId(b, 7))).toEqual({ kind: 'batch-item', id: `${b}.7`, batchId: b, index: 7 });
    for (const bad of ['', '../x', 'a-xyz', `${b}.-1`, `${b}/1`]) expect(parseId(bad).kind).toBe('invalid');
  });
});

describe('comparison ids', () => {
  const other = 'cd'.repeat(32);

  it('are deterministic from both hashes, in order, and never look like an analysis or batch id', () => {
    const id = comparisonId(sha, other);
    expect(id).toBe(comparisonId(sha, other));
    expect(id).toMatch(COMPARISON_ID);
    // Edited and original play different roles: swapping them is another comparison.
    expect(comparisonId(other, sha)).not.toBe(id);
    expect(id).not.toContain(':');
    expect(parseId(id).kind).toBe('invalid');
    expect(() => comparisonId('nope', other)).toThrow(/not a sha256/);
  });

  it('validate a compare payload', () => {
    const ok = {
      comparisonId: comparisonId(sha, other),
      editedSha256: sha,
      originalSha256: other,
      editedName: 'edited\n.jpg',
      submittedAt: new Date().toISOString(),
    };
    expect(CompareJobSchema.parse(ok).editedName).toBe('edited.jpg');
    expect(CompareJobSchema.safeParse({ ...ok, comparisonId: 'c-../x' }).success).toBe(false);
    expect(CompareJobSchema.safeParse({ ...ok, callbackUrl: 'ftp://x' }).success).toBe(false);
  });
});

describe('pipeline contract', () => {
  const keys = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, `results/x/${n}`]));

  it('requires every core artifact and takes the aid maps when present', () => {
    expect(ArtifactKeysSchema.safeParse(keys(ARTIFACTS)).success).toBe(true);
    // Results stored before the aids or evidence.png existed, or computed with the aids off, have neither.
    expect(ArtifactKeysSchema.safeParse(keys(CORE_ARTIFACTS)).success).toBe(true);
    expect(ArtifactKeysSchema.safeParse(keys(CORE_ARTIFACTS.filter((n) => n !== 'flow.flo'))).success).toBe(false);
    expect(AnalysisOptionsSchema.parse({}).threshold).toBe(DEFAULT_THRESHOLD);
  });

  it('requires all six core artifacts of a comparison', () => {
    expect(ComparisonArtifactKeysSchema.safeParse(keys(CORE_ARTIFACTS)).success).toBe(true);
    expect(ComparisonArtifactKeysSchema.safeParse(keys(CORE_ARTIFACTS.slice(1))).success).toBe(false);
  });
});

describe('failures', () => {
  it('round-trip a code through the failedReason string', () => {
    expect(parseFailure(formatFailure('corrupt', 'bad data'))).toEqual({
      code: 'corrupt',
      message: 'bad data',
      retryable: false,
    });
    expect(parseFailure(formatFailure('framing', 'framed differently'))).toMatchObject({
      code: 'framing',
      retryable: false,
    });
    expect(parseFailure('ECONNRESET')).toEqual({ code: 'internal', message: 'ECONNRESET', retryable: true });
  });

  it('never show a Redis password', () => {
    expect(redactUrl('redis://user:secret@host:6379/0')).toBe('redis://***@host:6379/0');
  });
});

describe('batch export', () => {
  const items: BatchItem[] = [
    {
      id: 'b.0',
      file: 'low.jpg',
      sha256: sha,
      status: 'done',
      probability: 0.1,
      verdict: 'No sign',
      faces: 1,
      maxDisplacementPx: 0.5,
    },
    {
      id: 'b.1',
      file: 'bad, "one".jpg',
      sha256: sha,
      status: 'failed',
      error: { code: 'corrupt', message: 'truncated', retryable: false },
    },
    {
      id: 'b.2',
      file: 'high.jpg',
      sha256: sha,
      status: 'done',
      probability: 0.93,
      verdict: 'Likely warped',
      faces: 2,
      maxDisplacementPx: 6.25,
      historyBreaks: ['face 0: right eye', 'face 1: mouth'],
    },
  ];

  it('writes CSV sorted by probability, failures last, quoted per RFC 4180', () => {
    expect(toCsv(items)).toBe(
      [
        'file,sha256,probability,verdict,faces,max displacement px,jpeg history breaks,status,error',
        `high.jpg,${sha},0.93,Likely warped,2,6.25,face 0: right eye; face 1: mouth,done,`,
        `low.jpg,${sha},0.1,No sign,1,0.5,,done,`,
        `"bad, ""one"".jpg",${sha},,,,,,failed,corrupt: truncated`,
        '',
      ].join('\r\n'),
    );
  });

  it('writes JSONL in the same order', () => {
    expect(
      toJsonl(items)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).file),
    ).toEqual(['high.jpg', 'low.jpg', 'bad, "one".jpg']);
    expect(JSON.parse(toJsonl(items).split('\n')[0]!).historyBreaks).toEqual(['face 0: right eye', 'face 1: mouth']);
  });

  it('defuses spreadsheet formulas', () => {
    expect(csvCell('=cmd()')).toBe("'=cmd()");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('plain')).toBe('plain');
  });
});
