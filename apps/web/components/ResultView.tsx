'use client';

import type { FaceReport, Report } from '@unwarp/pipeline/report';
import { useState } from 'react';
import { AidsPanel } from '@/components/AidsPanel.tsx';
import { ApiKeyPanel, useApiKey } from '@/components/ApiKeyPanel.tsx';
import { AuthImage } from '@/components/AuthImage.tsx';
import { CompareSlider } from '@/components/CompareSlider.tsx';
import { Gauge } from '@/components/Gauge.tsx';
import { RegionTable } from '@/components/RegionTable.tsx';
import { download } from '@/lib/client-api.ts';
import {
  calibrationNote,
  downloadsFor,
  bytes as fmtBytes,
  HEATMAP_RANGE_PX,
  LEVEL_LABELS,
  pct,
  px,
  REGION_LABELS,
  STAGE_LABELS,
  verdictLevel,
} from '@/lib/labels.ts';
import { useJobStatus } from '@/lib/use-job-status.ts';

type Analysis = {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  stage?: string;
  fileName?: string;
  sha256?: string;
  report?: Report;
  artifacts?: Record<string, string>;
  error?: { code: string; message: string };
};
type View = 'photo' | 'heatmap' | 'flow' | 'evidence' | 'history';
const BROWSER_FORMATS = new Set(['jpeg', 'jpg', 'png', 'webp', 'gif', 'avif']);

export function ResultView({ id, needsKey }: { id: string; needsKey: boolean }) {
  const [apiKey, setKey] = useApiKey();
  const { job: a, error: err } = useJobStatus<Analysis>(needsKey && !apiKey ? null : `/api/v1/analyses/${id}`);

  if (needsKey && !apiKey) return <ApiKeyPanel apiKey={apiKey} onChange={setKey} />;
  if (err)
    return (
      <div className="notice error" role="alert">
        <strong>{err.status === 404 ? 'No such analysis.' : 'Could not load this analysis.'}</strong> {err.message}
      </div>
    );
  if (!a) return <p aria-live="polite">Loading…</p>;
  if (a.status === 'failed')
    return (
      <div className="stack">
        <h1>{a.fileName ?? 'Analysis'}</h1>
        <div className="notice error" role="alert">
          <strong>The analysis failed.</strong> {a.error?.message}
        </div>
      </div>
    );
  if (a.status !== 'done' || !a.report)
    return (
      <div className="stack" aria-live="polite">
        <h1>{a.fileName ?? 'Analysis'}</h1>
        <p className="notice">
          {STAGE_LABELS[a.status === 'running' ? (a.stage ?? 'detecting faces') : 'queued']}… this page updates by
          itself.
        </p>
      </div>
    );
  return <Done a={a} report={a.report} />;
}

function Done({ a, report }: { a: Analysis; report: Report }) {
  const [view, setView] = useState<View>('photo');
  const [copied, setCopied] = useState(false);
  const level = verdictLevel(report.verdict);
  const calibration = calibrationNote(report.model.calibration);
  const base = `/api/v1/analyses/${a.id}`;
  const originalUrl = BROWSER_FORMATS.has(report.image.format) ? `${base}/original` : `${base}/original?w=2048`;
  const name = a.fileName ?? report.image.file ?? 'Photo';
  const views: { key: View; label: string; url: string; alt: string }[] = [
    { key: 'photo', label: 'Photo', url: originalUrl, alt: `The uploaded photo, ${name}` },
    {
      key: 'heatmap',
      label: 'Warp heatmap',
      url: `${base}/heatmap.png`,
      alt: 'Heatmap of the predicted warp strength over the photo',
    },
    {
      key: 'flow',
      label: 'Warp direction',
      url: `${base}/flow.png`,
      alt: 'Predicted warp field in flow colours, with its colour-wheel legend',
    },
    // Analyses stored before evidence.png existed do not have it; the API lists what it can serve.
    ...(!a.artifacts || 'evidence.png' in a.artifacts
      ? [
          {
            key: 'evidence' as const,
            label: 'Where it looked',
            url: `${base}/evidence.png`,
            alt: "Each face window's score tinted over the photo, the most suspicious window outlined",
          },
        ]
      : []),
    // Only JPEG uploads with a face have a history to draw.
    ...(a.artifacts && 'history.png' in a.artifacts
      ? [
          {
            key: 'history' as const,
            label: 'JPEG history',
            url: `${base}/history.png`,
            alt: "The photo's 8x8 blocks tinted by whether they kept its earlier JPEG save, each face's strongest break outlined",
          },
        ]
      : []),
  ];
  // A model without a warp field (W = 0) has nothing to show in the warp views or the before/after.
  const hasField = report.model.predictsFlow !== false;
  const shown = hasField
    ? views
    : views.filter((v) => v.key === 'photo' || v.key === 'evidence' || v.key === 'history');
  const tabs = shown.length > 1;
  const current = shown.find((v) => v.key === view) ?? shown[0]!;
  const files: [string, string][] = [
    ['report.json', 'Report (JSON)'],
    ['heatmap.png', 'Heatmap'],
    ['flow.png', 'Flow colours'],
    ['recovered.png', 'Recovered photo'],
    ['compare.png', 'Side by side'],
    ['evidence.png', 'Where it looked'],
    ['history.png', 'JPEG history map'],
    ['flow.flo', 'Warp field (.flo)'],
    ['ela.png', 'Error level map'],
    ['noise.png', 'Noise map'],
    ['original', 'Uploaded photo'],
  ];
  // The aid maps exist only when the aids ran; the API lists what it can serve.
  const available = downloadsFor(files, { hasField, ...(a.artifacts ? { artifacts: a.artifacts } : {}) });
  const stem = name.replace(/\.[A-Za-z0-9]{1,5}$/, '');

  return (
    <article>
      <div className="result-head">
        <div>
          <h1>{name}</h1>
          <p className="small muted" style={{ margin: 0 }}>
            {report.image.width} × {report.image.height} px · {report.image.format.toUpperCase()} ·{' '}
            {fmtBytes(report.image.bytes)} · analysed {new Date(report.createdAt).toLocaleString()}
          </p>
        </div>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            void navigator.clipboard
              ?.writeText(`${window.location.origin}/analyses/${a.id}`)
              .then(() => setCopied(true));
          }}
        >
          {copied ? 'Link copied' : 'Copy permalink'}
        </button>
      </div>
      <div className="result-grid">
        <div className="stack area-main">
          <section className="card" aria-labelledby="viewer-h">
            <h2 id="viewer-h">What the model sees</h2>
            {tabs ? (
              <div className="viewer-tabs" role="tablist" aria-label="Image view">
                {shown.map((v) => (
                  <button
                    key={v.key}
                    type="button"
                    role="tab"
                    id={`tab-${v.key}`}
                    aria-selected={view === v.key}
                    aria-controls="viewer-panel"
                    tabIndex={view === v.key ? 0 : -1}
                    onClick={() => setView(v.key)}
                    onKeyDown={(e) => {
                      const i = shown.findIndex((x) => x.key === view);
                      const next =
                        e.key === 'ArrowRight'
                          ? (i + 1) % shown.length
                          : e.key === 'ArrowLeft'
                            ? (i + shown.length - 1) % shown.length
                            : -1;
                      if (next >= 0) {
                        setView(shown[next]!.key);
                        document.getElementById(`tab-${shown[next]!.key}`)?.focus();
                      }
                    }}
                  >
                    {v.label}
                  </button>
                ))}
              </div>
            ) : null}
            <div id="viewer-panel" {...(tabs ? { role: 'tabpanel', 'aria-labelledby': `tab-${current.key}` } : {})}>
              <figure className="figure">
                <AuthImage key={current.url} url={current.url} alt={current.alt} data-testid={`view-${current.key}`} />
                {(current.key === 'photo' || current.key === 'heatmap') && report.faces.length > 0 ? (
                  <FaceBoxes report={report} />
                ) : null}
              </figure>
              {current.key === 'evidence' ? (
                <p className="legend">
                  Where each face's score comes from: every window of the face the model scored, tinted by its score
                  (blue to cyan below the 0.5 threshold, yellow to red from 0.5 to 1); the red box is the most
                  suspicious window. It points at where to look, and is only as good as the score.
                  {report.jpegHistory
                    ? ' In a photo saved as JPEG after the edit these windows say little about where (on simulated edits the top window sat on the edit no more often than chance): the JPEG history view shows where the photo’s history breaks.'
                    : null}
                </p>
              ) : current.key === 'history' ? (
                <p className="legend" data-testid="history-legend">
                  {report.jpegHistory?.earlierSaveFound === false
                    ? "No model: this photo's blocks show no earlier JPEG save on any 8x8 grid (it was saved once, resized since, or first saved too finely to tell), so there is no history to read and nothing is tinted. Where a photo has one, each 8x8 block"
                    : 'No model: each 8x8 block'}{' '}
                  of the photo is teal where it still shows the photo's earlier JPEG save and magenta where it was
                  compressed only once, as pixels moved after that save are; the box is where a face whose history
                  clearly leans edited (evidence above 1) breaks most. A magenta patch in a teal photo points at an
                  edit; magenta everywhere means the history is faint (a resize, a colour edit, or a lower-quality last
                  save) and says little.
                  {report.jpegHistory?.earlierSaveShift
                    ? ` This photo's earlier save sits on another 8x8 grid than its last (its blocks start at ${report.jpegHistory.earlierSaveShift.x}, ${report.jpegHistory.earlierSaveShift.y}): it was cropped between the two saves. The map shows that save; the face cards say which faces read their history from it.`
                    : report.jpegHistory?.countedInScore === false
                      ? ' This file was saved last at a quality too low for the history to count in the warp score.'
                      : null}
                </p>
              ) : !hasField ? (
                <p className="legend" data-testid="no-field">
                  Boxes mark the faces that were analysed. This model gives a score only, no warp field, so there is no
                  heatmap, direction map or before/after view.
                </p>
              ) : current.key === 'heatmap' ? (
                <div className="legend">
                  <span>{HEATMAP_RANGE_PX.min} px</span>
                  <span className="jet" aria-hidden="true" />
                  <span>{HEATMAP_RANGE_PX.max} px or more</span>
                  <span>
                    — how far the model thinks each point was pushed; untouched areas stay as in the photo.
                    {report.model.calibration?.fieldGains !== undefined
                      ? ' Lengths are what to expect given how sure the model is that the face was edited: an unsure face gets a faint field.'
                      : null}
                  </span>
                </div>
              ) : current.key === 'flow' ? (
                <p className="legend">
                  Colour gives the direction each point was pushed (see the colour wheel on the right of the picture),
                  strength gives the distance; white means no movement.
                </p>
              ) : (
                <p className="legend">Boxes mark the faces that were analysed.</p>
              )}
            </div>
          </section>

          {hasField ? (
            <section className="card" aria-labelledby="compare-h">
              <h2 id="compare-h">Before and after</h2>
              <p className="small muted">
                Drag the divider or use the slider: left of it is the uploaded photo, right of it the photo with the
                predicted warp undone. The recovery is an estimate, not the original.
              </p>
              <CompareSlider
                beforeUrl={originalUrl}
                afterUrl={`${base}/recovered.png`}
                beforeLabel={`Uploaded photo, ${name}`}
                afterLabel="Recovered photo: the predicted warp undone"
              />
            </section>
          ) : null}

          {report.faces.map((f) => (
            <FaceCard
              key={f.index}
              face={f}
              n={report.faces.length}
              threshold={report.threshold}
              caveat={report.caveat}
              hasField={hasField}
            />
          ))}

          <AidsPanel aids={report.aids} base={base} />
        </div>

        <aside className="stack area-verdict" aria-label="Verdict">
          <section className={`card verdict`} data-level={level} aria-labelledby="verdict-h" data-testid="verdict">
            <h2 id="verdict-h" className="level">
              {LEVEL_LABELS[level]}
            </h2>
            <Gauge
              probability={report.probability}
              threshold={report.threshold}
              label={report.noFace ? 'Warp score (whole image)' : 'Warp score (highest face)'}
            />
            {calibration ? (
              <p className="small muted" data-testid="calibration">
                {calibration}
              </p>
            ) : null}
            <p className="verdict-text">{report.verdict}</p>
            <p className="caveat" data-testid="caveat">
              {report.caveat}
            </p>
          </section>
          {report.noFace ? (
            <p className="notice warn small">
              No face was found, so the score covers the whole image and is less reliable.
            </p>
          ) : null}
          {report.warnings.length > 0 ? (
            <section className="notice warn small" aria-label="Warnings">
              <strong>Things to know about this photo</strong>
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
              {available.map(([f, label]) => (
                <button
                  key={f}
                  type="button"
                  className="secondary"
                  onClick={() => void download(`${base}/${f}?download=1`, f === 'original' ? name : `${stem}-${f}`)}
                >
                  {label}
                </button>
              ))}
            </div>
            {hasField ? null : (
              <p className="small muted" style={{ marginTop: '0.5rem' }}>
                No heatmap, warp field or recovered photo: this model gives no warp field (the API still serves them,
                all zero).
              </p>
            )}
          </section>
          <details className="card small">
            <summary>Technical details</summary>
            <dl className="meta" style={{ marginTop: '0.5rem' }}>
              <dt>Analysis id</dt>
              <dd className="mono">{a.id}</dd>
              <dt>SHA-256</dt>
              <dd className="mono">{report.image.sha256}</dd>
              <dt>Model</dt>
              <dd>
                {report.model.name} {report.model.version}
              </dd>
              <dt>Backend</dt>
              <dd>{report.backend}</dd>
              <dt>Threshold</dt>
              <dd>{pct(report.threshold)}</dd>
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

function FaceBoxes({ report }: { report: Report }) {
  return (
    <svg
      className="boxes"
      viewBox={`0 0 ${report.image.width} ${report.image.height}`}
      preserveAspectRatio="none"
      aria-hidden="true"
    >
      {report.faces.map((f) => (
        <g key={f.index}>
          <rect
            x={f.box.x}
            y={f.box.y}
            width={f.box.width}
            height={f.box.height}
            fill="none"
            stroke="#fff"
            strokeWidth={Math.max(2, report.image.width / 300)}
          />
          <rect
            x={f.box.x}
            y={f.box.y}
            width={f.box.width}
            height={f.box.height}
            fill="none"
            stroke="#000"
            strokeOpacity={0.5}
            strokeWidth={Math.max(1, report.image.width / 900)}
          />
          {report.faces.length > 1 ? (
            <text
              x={f.box.x + 4}
              y={f.box.y + Math.max(14, report.image.width / 40)}
              fill="#fff"
              fontSize={Math.max(12, report.image.width / 45)}
              stroke="#000"
              strokeWidth={0.6}
            >
              {f.index + 1}
            </text>
          ) : null}
        </g>
      ))}
    </svg>
  );
}

function FaceCard({
  face,
  n,
  threshold,
  caveat,
  hasField,
}: {
  face: FaceReport;
  n: number;
  threshold: number;
  caveat: string;
  hasField: boolean;
}) {
  const level = verdictLevel(face.verdict);
  return (
    <section className="card" data-level={level} aria-labelledby={`face-${face.index}`} data-testid="face-card">
      <h2 id={`face-${face.index}`}>
        Face {face.index + 1}
        {n > 1 ? ` of ${n}` : ''}{' '}
        <span className="level small" data-level={level}>
          · {LEVEL_LABELS[level]}
        </span>
      </h2>
      <Gauge probability={face.probability} threshold={threshold} label="Warp score" />
      <p style={{ fontWeight: 600, marginTop: '0.5rem' }}>{face.verdict}</p>
      <p className="caveat small">{caveat}</p>
      {face.compressionBreak !== undefined ? (
        <p className="small" data-testid="compression-break">
          JPEG history (no model): <strong>{face.compressionBreak.toFixed(1)}</strong> nats of evidence that part of
          this face was saved as JPEG once while the rest of the photo was saved twice, as where a warp resampled the
          pixels before the last save. Untouched faces score above 0 too: compare faces of the same photo, and read it
          beside the warp score. Resizing between saves, or a single save, leave nothing to read; a colour change
          between them leaves the history faint.
          {face.historyEvidence !== undefined ? (
            <>
              {' '}
              Weighed at several window sizes against how clearly the face and the photo around it keep the earlier
              save, and against how much its breaks stand out from that history's own noise:{' '}
              <strong data-testid="history-evidence">{face.historyEvidence.toFixed(2)}</strong> (above 0 leans edited,
              below 0 untouched, 0 nothing to read; weak after a lower-quality save).
            </>
          ) : null}
          {face.historyGrid === 'shifted' ? (
            <span data-testid="history-shifted">
              {' '}
              This photo's earlier save lies on another 8x8 grid than its last (it was cropped between the saves): these
              numbers read that save, on its own grid.
            </span>
          ) : null}
          {face.historyHotspot ? (
            <span data-testid="history-hotspot">
              {' '}
              The history breaks most
              {face.historyHotspot.near?.length
                ? ` near the ${face.historyHotspot.near
                    .slice(0, 2)
                    .map((r) => REGION_LABELS[r].toLowerCase())
                    .join(' and ')}`
                : ''}{' '}
              (outlined in the JPEG history view).
            </span>
          ) : null}
          {face.compressionBreakInScore === false ? (
            <>
              {' '}
              <strong>Not counted in the warp score</strong>: this file was saved last at a JPEG quality too low for the
              evidence to separate edited from untouched faces.
            </>
          ) : null}
        </p>
      ) : null}
      {hasField && face.fieldShown === false ? (
        <p className="small" style={{ marginTop: '0.75rem' }} data-testid="no-face-field">
          No warp field is shown for this face:{' '}
          {face.probability < threshold
            ? 'its score is under the threshold, and the model shows where pixels moved only on faces it flags.'
            : "the model's calibration found its field does not help on faces this size."}
        </p>
      ) : hasField ? (
        <>
          <p className="small" style={{ marginTop: '0.75rem' }}>
            Predicted displacement: largest <strong>{px(face.displacement.max)}</strong>, 95% of the face under{' '}
            {px(face.displacement.p95)}, average {px(face.displacement.mean)}.
          </p>
          <RegionTable
            regions={face.regions}
            caption={`Predicted displacement by region of face ${face.index + 1}, in pixels`}
          />
        </>
      ) : null}
    </section>
  );
}
