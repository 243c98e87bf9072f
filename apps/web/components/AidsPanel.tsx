'use client';

import type { AidsSection } from '@unwarp/pipeline/report';
import { type ReactNode, useState } from 'react';
import { AuthImage } from '@/components/AuthImage.tsx';

type AidKey = 'metadata' | 'credentials' | 'ela' | 'noise' | 'jpeg';
const TABS: { key: AidKey; label: string }[] = [
  { key: 'metadata', label: 'Metadata' },
  { key: 'credentials', label: 'Content Credentials' },
  { key: 'ela', label: 'Error level' },
  { key: 'noise', label: 'Noise' },
  { key: 'jpeg', label: 'JPEG' },
];

/**
 * The classic forensic aids (report.aids) as tabs beside the warp result: what the file says about itself, its
 * Content Credentials, error level, noise and JPEG history. Each panel starts with the report's one-line "how to
 * read this" and shows numbers and pictures only, never a verdict.
 */
export function AidsPanel({ aids, base }: { aids: AidsSection | undefined; base: string }) {
  const [tab, setTab] = useState<AidKey>('metadata');
  return (
    <section className="card" aria-labelledby="aids-h" data-testid="aids">
      <h2 id="aids-h">Other forensic aids</h2>
      {!aids ? (
        <p className="small muted">
          The classic aids (metadata, Content Credentials, error level, noise, JPEG history) were not run for this
          analysis; see the notes beside the verdict.
        </p>
      ) : (
        <>
          <p className="small muted">
            Classic checks on the uploaded file, independent of the warp model. Each one is a clue to weigh, not a
            finding on its own.
          </p>
          <div className="viewer-tabs" role="tablist" aria-label="Forensic aids">
            {TABS.map((t) => (
              <button
                key={t.key}
                type="button"
                role="tab"
                id={`aid-tab-${t.key}`}
                aria-selected={tab === t.key}
                aria-controls="aids-panel"
                tabIndex={tab === t.key ? 0 : -1}
                onClick={() => setTab(t.key)}
                onKeyDown={(e) => {
                  const i = TABS.findIndex((x) => x.key === tab);
                  const next =
                    e.key === 'ArrowRight'
                      ? (i + 1) % TABS.length
                      : e.key === 'ArrowLeft'
                        ? (i + TABS.length - 1) % TABS.length
                        : e.key === 'Home'
                          ? 0
                          : e.key === 'End'
                            ? TABS.length - 1
                            : -1;
                  if (next < 0) return;
                  e.preventDefault();
                  setTab(TABS[next]!.key);
                  document.getElementById(`aid-tab-${TABS[next]!.key}`)?.focus();
                }}
              >
                {t.label}
              </button>
            ))}
          </div>
          <div id="aids-panel" role="tabpanel" aria-labelledby={`aid-tab-${tab}`} data-testid={`aid-panel-${tab}`}>
            {tab === 'metadata' ? (
              <MetadataPanel m={aids.metadata} />
            ) : tab === 'credentials' ? (
              <CredentialsPanel c={aids.contentCredentials} />
            ) : tab === 'ela' ? (
              <MapPanel
                howToRead={aids.ela.howToRead}
                url={`${base}/ela.png`}
                testId="aid-ela"
                alt="Error level analysis of the photo: brighter areas changed more when re-saved as JPEG"
                legend={aids.ela.legend}
                facts={[
                  ['Re-saved at', `JPEG quality ${aids.ela.quality}`],
                  ['Average change', levels(aids.ela.meanError)],
                  ['Largest change', levels(aids.ela.maxError)],
                ]}
              />
            ) : tab === 'noise' ? (
              <MapPanel
                howToRead={aids.noise.howToRead}
                url={`${base}/noise.png`}
                testId="aid-noise"
                alt="Noise residual of the photo: the fine grain left after removing image content"
                legend={aids.noise.legend}
                facts={[
                  ['Average grain', levels(aids.noise.meanResidual)],
                  [
                    'Grain per 32 px block',
                    `${num(aids.noise.blockStd.min)} to ${num(aids.noise.blockStd.max)}, typically ${num(aids.noise.blockStd.median)} (${aids.noise.blockStd.blocks} blocks)`,
                  ],
                  [
                    'Blocks far from typical',
                    `${Math.round(aids.noise.outlierBlockFraction * 1000) / 10}% (under a third or over three times the typical grain)`,
                  ],
                ]}
              />
            ) : (
              <JpegPanel j={aids.jpeg} />
            )}
          </div>
        </>
      )}
    </section>
  );
}

const num = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(1));
const levels = (v: number) => `${num(v)} of 255 levels`;

function HowToRead({ text }: { text: string }) {
  return (
    <p className="how-to-read" data-testid="how-to-read">
      <strong>How to read this:</strong> {text}
    </p>
  );
}

/** A definition list of the facts that have a value; nothing when none has. */
function Facts({ rows }: { rows: [string, ReactNode][] }) {
  const shown = rows.filter(([, v]) => v !== null && v !== undefined && v !== '' && v !== false);
  if (shown.length === 0) return null;
  return (
    <dl className="meta aid-facts">
      {shown.map(([k, v]) => (
        <div key={k} className="aid-fact">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Notes({ items, label }: { items: string[]; label: string }) {
  if (items.length === 0) return null;
  return (
    <ul className="aid-notes small" aria-label={label}>
      {items.map((w) => (
        <li key={w}>{w}</li>
      ))}
    </ul>
  );
}

function MetadataPanel({ m }: { m: AidsSection['metadata'] }) {
  const camera = [m.camera.make, m.camera.model].filter(Boolean).join(' ');
  const captured = m.captureTime.original
    ? `${m.captureTime.original}${m.captureTime.offset ? ` (UTC${m.captureTime.offset})` : ' (camera clock, time zone unknown)'}`
    : null;
  const history = (m.xmp?.history ?? [])
    .slice(0, 8)
    .map((h) => [h.action, h.softwareAgent, h.when].filter(Boolean).join(' · '))
    .filter(Boolean);
  const rows: [string, ReactNode][] = [
    ['Camera', camera || null],
    ['Lens', m.camera.lens],
    ['Captured', captured],
    ['Last modified', m.captureTime.modified],
    ['Software', m.software],
    ['Editors named', m.editorHints.length > 0 ? m.editorHints.join(', ') : null],
    ['Creator tool (XMP)', m.xmp?.creatorTool ?? null],
    ['Location (GPS)', m.gps ? `${m.gps.latitude.toFixed(5)}, ${m.gps.longitude.toFixed(5)}` : null],
    [
      'Size',
      m.dimensions.exif && m.dimensions.mismatch
        ? `${m.dimensions.actual.width} × ${m.dimensions.actual.height} px stored; EXIF says ${m.dimensions.exif.width} × ${m.dimensions.exif.height}`
        : `${m.dimensions.actual.width} × ${m.dimensions.actual.height} px`,
    ],
    ['Orientation tag', m.orientation],
    [
      'Thumbnail',
      m.thumbnail.present
        ? m.thumbnail.mismatch
          ? 'embedded, and it differs from the main picture'
          : 'embedded, matches the main picture'
        : null,
    ],
    ['Byline', m.iptc?.byline ?? null],
    ['Credit', m.iptc?.credit ?? null],
    ['Copyright', m.iptc?.copyright ?? null],
  ];
  const hasAny = Boolean(camera || m.software || m.captureTime.original || m.xmp || m.iptc || m.gps);
  return (
    <>
      <HowToRead text={m.howToRead} />
      {/* The aids' own notes already say so when there is no metadata at all. */}
      {hasAny || m.warnings.length > 0 ? null : (
        <p className="small">This file carries no camera, software or location metadata.</p>
      )}
      <Facts rows={rows} />
      {history.length > 0 ? (
        <>
          <h3 className="aid-sub">Edit history (XMP)</h3>
          <ol className="aid-notes small">
            {history.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: history entries can repeat; their order is the key
              <li key={i}>{h}</li>
            ))}
          </ol>
        </>
      ) : null}
      <Notes items={m.warnings} label="Notes on the metadata" />
    </>
  );
}

function CredentialsPanel({ c }: { c: AidsSection['contentCredentials'] }) {
  const status = !c.present
    ? 'None in this file'
    : c.validated === true
      ? 'Present; signature and content hashes check out'
      : c.validated === false
        ? 'Present, but they do not check out'
        : 'Present, not checkable';
  return (
    <>
      <HowToRead text={c.howToRead} />
      <Facts
        rows={[
          ['Content Credentials', status],
          ['Signed by', c.signer],
          ['Made with', c.claimGenerator],
          ['Recorded actions', c.actions && c.actions.length > 0 ? c.actions.join(', ') : null],
        ]}
      />
      {c.reason ? <p className="small aid-note">{c.reason}</p> : null}
      <Notes items={c.validationStatus ?? []} label="Validation messages" />
    </>
  );
}

function MapPanel({
  howToRead,
  url,
  testId,
  alt,
  legend,
  facts,
}: {
  howToRead: string;
  url: string;
  testId: string;
  alt: string;
  legend: { zero: string; max: string };
  facts: [string, ReactNode][];
}) {
  return (
    <>
      <HowToRead text={howToRead} />
      <figure className="figure">
        <AuthImage key={url} url={url} alt={alt} data-testid={testId} />
      </figure>
      <div className="legend aid-legend">
        <span className="greys" aria-hidden="true" />
        <span>
          {legend.zero} {legend.max}
        </span>
      </div>
      <Facts rows={facts} />
    </>
  );
}

function JpegPanel({ j }: { j: AidsSection['jpeg'] }) {
  const dq = j.doubleCompressionHint;
  const second =
    dq.suspected === null
      ? 'Not tested'
      : dq.suspected
        ? `Looks saved as JPEG at least twice (score ${dq.score})`
        : `No sign of a second save (score ${dq.score})`;
  return (
    <>
      <HowToRead text={j.howToRead} />
      {j.quality === null ? (
        <p className="small">Not a JPEG, or no quantisation tables in its header: nothing to estimate.</p>
      ) : null}
      <Facts
        rows={[
          [
            'Estimated quality',
            j.quality === null
              ? null
              : `${j.quality} of 100 (${j.standardTables ? 'standard tables, as libjpeg and most apps write' : 'non-standard tables, typical of cameras and Photoshop'})`,
          ],
          ['Colour subsampling', j.subsampling],
          ['Saved twice?', second],
        ]}
      />
      <p className="small muted aid-note">{dq.note}</p>
    </>
  );
}
