'use client';

import type { ComparisonReport } from '@unwarp/pipeline/report';
import { useState } from 'react';
import { ApiKeyPanel, useApiKey } from '@/components/ApiKeyPanel.tsx';
import { AuthImage } from '@/components/AuthImage.tsx';
import { CompareSlider } from '@/components/CompareSlider.tsx';
import { RegionTable } from '@/components/RegionTable.tsx';
import { download } from '@/lib/client-api.ts';
import { db, bytes as fmtBytes, HEATMAP_RANGE_PX, px, STAGE_LABELS } from '@/lib/labels.ts';
import { useJobStatus } from '@/lib/use-job-status.ts';

type Comparison = {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  stage?: string;
  editedName?: string;
  originalName?: string;
  report?: ComparisonReport;
  error?: { code: string; message: string };
};
const BROWSER_FORMATS = new Set(['jpeg', 'jpg', 'png', 'webp', 'gif', 'avif']);

/** Permalink of one comparison: follows its status until the worker is done, then shows the measured warp. */
export function ComparisonView({ id, needsKey }: { id: string; needsKey: boolean }) {
  const [apiKey, setKey] = useApiKey();
  const { job: c, error: err } = useJobStatus<Comparison>(needsKey && !apiKey ? null : `/api/v1/comparisons/${id}`);

  if (needsKey && !apiKey) return <ApiKeyPanel apiKey={apiKey} onChange={setKey} />;
  if (err)
    return (
      <div className="notice error" role="alert">
        <strong>{err.status === 404 ? 'No such comparison.' : 'Could not load this comparison.'}</strong> {err.message}
      </div>
    );
  if (!c) return <p aria-live="polite">Loading…</p>;
  const title = `${c.editedName ?? 'Edited photo'} against ${c.originalName ?? 'its original'}`;
  if (c.status === 'failed')
    return (
      <div className="stack">
        <h1>{title}</h1>
        <div className="notice error" role="alert" data-testid="comparison-error">
          <strong>
            {c.error?.code === 'framing' ? 'These two photos cannot be compared.' : 'The comparison failed.'}
          </strong>{' '}
          {c.error?.message}
        </div>
        <p>
          <a className="button secondary" href="/">
            Try other photos
          </a>
        </p>
      </div>
    );
  if (c.status !== 'done' || !c.report)
    return (
      <div className="stack" aria-live="polite">
        <h1>{title}</h1>
        <p className="notice">
          {STAGE_LABELS[c.status === 'running' ? (c.stage ?? 'measuring') : 'queued']}… this page updates by itself.
        </p>
      </div>
    );
  return <Done c={c} report={c.report} />;
}

function Done({ c, report }: { c: Comparison; report: ComparisonReport }) {
  const [copied, setCopied] = useState(false);
  const base = `/api/v1/comparisons/${c.id}`;
  const editedName = c.editedName ?? report.edited.file ?? 'Edited photo';
  const originalName = c.originalName ?? report.original.file ?? 'Original';
  const editedUrl = BROWSER_FORMATS.has(report.edited.format) ? `${base}/edited` : `${base}/edited?w=2048`;
  const d = report.displacement;
  const stem = editedName.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const files: [string, string, string][] = [
    ['report.json', 'Report (JSON)', `${stem}-comparison.json`],
    ['heatmap.png', 'Heatmap', `${stem}-heatmap.png`],
    ['flow.png', 'Flow colours', `${stem}-flow.png`],
    ['recovered.png', 'Recovered photo', `${stem}-recovered.png`],
    ['compare.png', 'Side by side', `${stem}-compare.png`],
    ['flow.flo', 'Warp field (.flo)', `${stem}.flo`],
  ];

  return (
    <article>
      <div className="result-head">
        <div>
          <h1>
            {editedName} <span className="muted">against</span> {originalName}
          </h1>
          <p className="small muted" style={{ margin: 0 }}>
            {report.edited.width} × {report.edited.height} px · {report.edited.format.toUpperCase()} ·{' '}
            {fmtBytes(report.edited.bytes)} · measured {new Date(report.createdAt).toLocaleString()}
          </p>
        </div>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            void navigator.clipboard
              ?.writeText(`${window.location.origin}/comparisons/${c.id}`)
              .then(() => setCopied(true));
          }}
        >
          {copied ? 'Link copied' : 'Copy permalink'}
        </button>
      </div>
      <div className="result-grid">
        <div className="stack area-main">
          <section className="card" aria-labelledby="heat-h">
            <h2 id="heat-h">Where the edited photo was moved</h2>
            <figure className="figure">
              <AuthImage
                url={`${base}/heatmap.png`}
                alt="Heatmap of the measured warp strength over the edited photo"
                data-testid="comparison-heatmap"
              />
            </figure>
            <div className="legend">
              <span>{HEATMAP_RANGE_PX.min} px</span>
              <span className="jet" aria-hidden="true" />
              <span>{HEATMAP_RANGE_PX.max} px or more</span>
              <span>— how far each point was moved between the original and the edited photo.</span>
            </div>
          </section>

          <section className="card" aria-labelledby="slider-h">
            <h2 id="slider-h">Edited and recovered</h2>
            <p className="small muted">
              Drag the divider or use the slider: left of it is the edited photo, right of it the edited photo with the
              measured warp undone.
            </p>
            <CompareSlider
              beforeUrl={editedUrl}
              afterUrl={`${base}/recovered.png`}
              beforeLabel={`Edited photo, ${editedName}`}
              afterLabel="Recovered photo: the measured warp undone"
              beforeTag="Edited"
              afterTag="Recovered"
            />
          </section>

          <section className="card" aria-labelledby="flow-h">
            <h2 id="flow-h">Direction of the movement</h2>
            <figure className="figure">
              <AuthImage
                url={`${base}/flow.png`}
                alt="Measured warp field in flow colours, with its colour-wheel legend"
                data-testid="comparison-flow"
              />
            </figure>
            <p className="legend">
              Colour gives the direction each point was moved (see the colour wheel), strength gives the distance; white
              means no movement.
            </p>
          </section>

          {report.faces.map((f) => (
            <FaceRegions key={f.index} face={f} n={report.faces.length} />
          ))}
        </div>

        <aside className="stack area-verdict" aria-label="Measured warp">
          <section className="card measure" aria-labelledby="measure-h" data-testid="comparison-summary">
            <h2 id="measure-h">Measured warp</h2>
            <p className="measure-big">
              <span data-testid="max-displacement">{px(d.max)}</span>
              <span className="small muted"> largest movement</span>
            </p>
            <dl className="meta">
              <dt>95% of pixels moved less than</dt>
              <dd>{px(d.p95)}</dd>
              <dt>Average movement</dt>
              <dd>{px(d.mean)}</dd>
              <dt>Share of the photo moved more than 0.5 px</dt>
              <dd data-testid="moved-share">{(report.movedShare * 100).toFixed(1)}%</dd>
              <dt>Closeness to the original (PSNR), edited as it is</dt>
              <dd data-testid="psnr-edited">{db(report.psnr.editedVsOriginal)}</dd>
              <dt>… with the warp undone</dt>
              <dd data-testid="psnr-recovered">{db(report.psnr.recoveredVsOriginal)}</dd>
            </dl>
            <p className="small muted" style={{ marginBottom: 0 }}>
              Higher PSNR is closer. When undoing the warp brings the photo closer to the original, the difference
              between them was movement.
            </p>
          </section>
          {/* The class sets its own margins; the aside's rhythm needs the gap above. */}
          <p className="how-to-read" style={{ marginTop: '1rem' }} data-testid="how-to-read">
            How to read this: {report.howToRead}
          </p>
          {report.warnings.length > 0 ? (
            <section className="notice warn small" aria-label="Warnings" data-testid="comparison-warnings">
              <strong>Things to know about these photos</strong>
              <ul style={{ margin: '0.3rem 0 0', paddingLeft: '1.1rem' }}>
                {report.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </section>
          ) : null}
        </aside>

        <aside className="stack area-extras" aria-label="Downloads and details">
          <section className="card" aria-labelledby="dl-h">
            <h2 id="dl-h">Download</h2>
            <div className="downloads">
              {files.map(([f, label, fileName]) => (
                <button
                  key={f}
                  type="button"
                  className="secondary"
                  onClick={() => void download(`${base}/${f}?download=1`, fileName)}
                >
                  {label}
                </button>
              ))}
            </div>
          </section>
          <details className="card small">
            <summary>Technical details</summary>
            <dl className="meta" style={{ marginTop: '0.5rem' }}>
              <dt>Comparison id</dt>
              <dd className="mono">{c.id}</dd>
              <dt>Edited SHA-256</dt>
              <dd className="mono">{report.edited.sha256}</dd>
              <dt>Original SHA-256</dt>
              <dd className="mono">
                {report.original.sha256} ({report.original.width} × {report.original.height} px)
              </dd>
              <dt>Method</dt>
              <dd>
                {report.estimation.method}, at {Math.round(report.estimation.scale * 100)}% scale
              </dd>
              <dt>Residual (before → after)</dt>
              <dd>
                {report.residual.before.toFixed(3)} → {report.residual.after.toFixed(3)}
              </dd>
              <dt>Timings</dt>
              <dd>
                {Object.entries(report.timings)
                  .map(([k, v]) => `${k} ${Math.round(v)} ms`)
                  .join(', ')}
              </dd>
            </dl>
          </details>
        </aside>
      </div>
    </article>
  );
}

function FaceRegions({ face, n }: { face: ComparisonReport['faces'][number]; n: number }) {
  return (
    <section className="card" aria-labelledby={`face-${face.index}`} data-testid="region-table">
      <h2 id={`face-${face.index}`}>
        Face {face.index + 1}
        {n > 1 ? ` of ${n}` : ''}: movement by region
      </h2>
      <RegionTable
        regions={face.regions}
        caption={`Measured movement by region of face ${face.index + 1}, in pixels`}
      />
    </section>
  );
}
