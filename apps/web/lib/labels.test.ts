import { ERROR_CODES, STAGES } from '@unwarp/jobs';
import { ARTIFACTS, CAVEAT, HEATMAP_RANGE, REGION_NAMES, REGIONS, verdictFor } from '@unwarp/pipeline';
import { describe, expect, it } from 'vitest';
import {
  calibrationNote,
  downloadsFor,
  HEATMAP_RANGE_PX,
  pct,
  REGION_LABELS,
  verdictLevel,
  WARP_FILES,
} from './labels.ts';
import { openapi } from './openapi.ts';
import { ARTIFACT_FILES, COMPARISON_URL_NAMES } from './server/present.ts';

// The browser bundle cannot import @unwarp/pipeline (it pulls the model code), so labels.ts mirrors a few of its
// constants: these tests keep the copies honest.
describe('labels mirror the pipeline', () => {
  it('has a label for every region, and the heatmap range', () => {
    expect(Object.keys(REGION_LABELS).sort()).toEqual([...REGIONS].sort());
    // The page names regions as the CLI's table and the batch exports do.
    for (const r of REGIONS) expect(REGION_LABELS[r].toLowerCase()).toBe(REGION_NAMES[r]);
    expect(HEATMAP_RANGE_PX).toEqual(HEATMAP_RANGE);
  });

  it('reads the level of every verdict the pipeline can write', () => {
    expect(verdictLevel(verdictFor(0.95, 0.5))).toBe('likely');
    expect(verdictLevel(verdictFor(0.6, 0.5))).toBe('possibly');
    expect(verdictLevel(verdictFor(0.35, 0.5))).toBe('inconclusive');
    expect(verdictLevel(verdictFor(0.05, 0.5))).toBe('none');
    expect(verdictLevel(verdictFor(0.95, 0.5, { experimental: true }))).toBe('unvalidated');
    expect(verdictLevel(`No face found. ${verdictFor(0.6, 0.5)}`)).toBe('possibly');
    expect(CAVEAT).toMatch(/does not say who did it or why/);
  });
});

describe('OpenAPI document', () => {
  it('is 3.1 and describes every route and the error shape', () => {
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths).sort()).toEqual(
      [
        '/api/v1/analyses',
        '/api/v1/analyses/{id}',
        '/api/v1/analyses/{id}/events',
        '/api/v1/analyses/{id}/{artifact}',
        '/api/v1/batches',
        '/api/v1/batches/{id}',
        '/api/v1/batches/{id}/export',
        '/api/v1/comparisons',
        '/api/v1/comparisons/{id}',
        '/api/v1/comparisons/{id}/events',
        '/api/v1/comparisons/{id}/{artifact}',
      ].sort(),
    );
    expect(openapi.components.schemas.Error.required).toEqual(['error']);
    // Every $ref points at a schema that exists.
    const refs = JSON.stringify(openapi).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const r of refs) expect(openapi.components.schemas, r).toHaveProperty(r.split('/').pop()!);
  });

  it('lists every artifact the API serves, the aids maps included, and describes report.aids', () => {
    const artifact = openapi.paths['/api/v1/analyses/{id}/{artifact}'].get.parameters[1];
    expect([...artifact.schema.enum].sort()).toEqual([...Object.keys(ARTIFACT_FILES), 'original'].sort());
    expect(Object.keys(ARTIFACT_FILES).sort()).toEqual([...ARTIFACTS].sort());
    const aids = openapi.components.schemas.Aids as { properties: Record<string, { required?: string[] }> };
    expect(Object.keys(aids.properties).sort()).toEqual(
      ['analysis', 'contentCredentials', 'ela', 'jpeg', 'metadata', 'noise'].sort(),
    );
    expect(aids.properties.ela!.required).toContain('howToRead');
  });

  it('lists the comparison artifacts the API serves and every job error code', () => {
    const artifact = openapi.paths['/api/v1/comparisons/{id}/{artifact}'].get.parameters[1];
    expect([...artifact.schema.enum]).toEqual([...COMPARISON_URL_NAMES]);
    expect([...openapi.components.schemas.JobError.properties.code.enum]).toEqual([...ERROR_CODES]);
    expect([...openapi.components.schemas.Stage.enum]).toEqual([...STAGES]);
    const report = openapi.components.schemas.ComparisonReport as { required?: string[] };
    expect(report.required).toEqual(expect.arrayContaining(['displacement', 'movedShare', 'psnr', 'howToRead']));
  });
});

describe('pct', () => {
  it('rounds to whole percent, but not across the threshold', () => {
    expect(pct(0.734)).toBe('73%');
    expect(pct(0.4997, 0.5)).toBe('49.97%');
    expect(pct(0.5004, 0.5)).toBe('50.04%');
    expect(pct(0.503, 0.5)).toBe('50.3%');
    expect(pct(0.52, 0.5)).toBe('52%');
    expect(pct(undefined)).toBe('–');
  });
});

describe('calibrationNote', () => {
  it('says in one sentence what 50% meant on the calibration faces', () => {
    expect(calibrationNote({ pools: ['val/afw'], faces: 300, falsePositiveRate: 0.0467, detectionRate: 0.38 })).toBe(
      'Score calibrated on 300 faces from val/afw: it scored 50% or more on 4.7% of untouched faces and 38.0% of faces given a Liquify-style warp.',
    );
    expect(
      calibrationNote({ pools: ['val/afw', 'val/lfpw'], faces: 1200, falsePositiveRate: 0.05, detectionRate: 0.5 }),
    ).toMatch(/^Score calibrated on 1,200 faces from val\/afw, val\/lfpw: it scored 50% or more on 5\.0% .* 50\.0% /);
  });

  it('is absent for an uncalibrated model', () => {
    expect(calibrationNote(undefined)).toBeNull();
  });
});

describe('downloadsFor', () => {
  const files = [
    ['report.json', 'Report (JSON)'],
    ['heatmap.png', 'Heatmap'],
    ['flow.flo', 'Warp field (.flo)'],
    ['ela.png', 'Error level map'],
  ] as const;

  it('leaves out the warp pictures of a model that gives no field, and what the API cannot serve', () => {
    expect(downloadsFor(files, { hasField: true }).map(([f]) => f)).toEqual(files.map(([f]) => f));
    expect(downloadsFor(files, { hasField: false }).map(([f]) => f)).toEqual(['report.json', 'ela.png']);
    const artifacts = { 'report.json': {}, 'heatmap.png': {}, 'flow.flo': {} };
    expect(downloadsFor(files, { hasField: true, artifacts }).map(([f]) => f)).toEqual([
      'report.json',
      'heatmap.png',
      'flow.flo',
    ]);
  });

  it('names only files the pipeline writes', () => {
    for (const f of WARP_FILES) expect(ARTIFACTS as readonly string[]).toContain(f);
  });
});
