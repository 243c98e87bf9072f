'use client';

import { useEffect, useMemo, useState } from 'react';
import { ApiKeyPanel, useApiKey } from '@/components/ApiKeyPanel.tsx';
import { AuthImage } from '@/components/AuthImage.tsx';
import { apiJson, ClientApiError, download } from '@/lib/client-api.ts';
import { LEVEL_LABELS, pct, px, STAGE_LABELS, type VerdictLevel, verdictLevel } from '@/lib/labels.ts';

type Item = {
  id: string;
  file: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  stage?: string;
  probability?: number;
  verdict?: string;
  faces?: number;
  maxDisplacementPx?: number;
  historyBreaks?: string[];
  error?: { message: string };
};
type Batch = {
  batchId: string;
  status: 'queued' | 'running' | 'done';
  createdAt: string;
  counts: { total: number; queued: number; running: number; done: number; failed: number };
  items: Item[];
};
// Batches from this page use the default threshold; the tile only needs it to round honestly near it.
const DEFAULT_THRESHOLD = 0.5;
type Filter = 'all' | VerdictLevel | 'failed' | 'pending';
type Sort = 'prob-desc' | 'prob-asc' | 'name' | 'submitted';

export function BatchView({ id, needsKey }: { id: string; needsKey: boolean }) {
  const [apiKey, setKey] = useApiKey();
  const [b, setB] = useState<Batch | null>(null);
  const [err, setErr] = useState<ClientApiError | null>(null);
  const [filter, setFilter] = useState<Filter>('all');
  const [minScore, setMinScore] = useState(0);
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<Sort>('prob-desc');

  useEffect(() => {
    if (needsKey && !apiKey) return;
    let stop = false;
    let t: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try {
        const next = await apiJson<Batch>(`/api/v1/batches/${id}`);
        if (stop) return;
        setB(next);
        setErr(null);
        if (next.status !== 'done') t = setTimeout(tick, 2000);
      } catch (e) {
        if (stop) return;
        setErr(e instanceof ClientApiError ? e : new ClientApiError(0, 'network', (e as Error).message));
        if (!(e instanceof ClientApiError) || e.status >= 500) t = setTimeout(tick, 5000);
      }
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(t);
    };
  }, [id, needsKey, apiKey]);

  const shown = useMemo(() => {
    if (!b) return [];
    const needle = q.trim().toLowerCase();
    const items = b.items
      .map((it, i) => ({ it, i, level: it.status === 'done' ? verdictLevel(it.verdict) : ('unknown' as VerdictLevel) }))
      .filter(({ it, level }) => {
        if (filter === 'failed') return it.status === 'failed';
        if (filter === 'pending') return it.status === 'queued' || it.status === 'running';
        if (filter !== 'all' && level !== filter) return false;
        if (minScore > 0 && (it.probability ?? -1) < minScore / 100) return false;
        return !needle || it.file.toLowerCase().includes(needle);
      });
    const p = (x: Item) => x.probability ?? -1;
    items.sort((a, z) =>
      sort === 'prob-desc'
        ? p(z.it) - p(a.it) || a.i - z.i
        : sort === 'prob-asc'
          ? p(a.it) - p(z.it) || a.i - z.i
          : sort === 'name'
            ? a.it.file.localeCompare(z.it.file)
            : a.i - z.i,
    );
    return items;
  }, [b, filter, minScore, q, sort]);

  if (needsKey && !apiKey) return <ApiKeyPanel apiKey={apiKey} onChange={setKey} />;
  if (err && !b)
    return (
      <div className="notice error" role="alert">
        <strong>{err.status === 404 ? 'No such batch.' : 'Could not load this batch.'}</strong> {err.message}
      </div>
    );
  if (!b) return <p aria-live="polite">Loading…</p>;
  const finished = b.counts.done + b.counts.failed;
  const flagged = b.items.filter((it) => ['likely', 'possibly'].includes(verdictLevel(it.verdict))).length;

  return (
    <div className="stack">
      <div className="result-head">
        <div>
          <h1>Batch of {b.counts.total} photos</h1>
          <p className="small muted" style={{ margin: 0 }}>
            Submitted {new Date(b.createdAt).toLocaleString()} · <span className="mono">{b.batchId}</span>
          </p>
        </div>
        <div className="downloads">
          <button
            type="button"
            className="secondary"
            onClick={() => void download(`/api/v1/batches/${b.batchId}/export?format=csv`, `${b.batchId}.csv`)}
          >
            Export CSV
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => void download(`/api/v1/batches/${b.batchId}/export?format=jsonl`, `${b.batchId}.jsonl`)}
          >
            Export JSONL
          </button>
        </div>
      </div>
      <section className="card" aria-label="Batch progress">
        <div className="gauge-row">
          <span data-testid="batch-progress">
            {finished} of {b.counts.total} finished
            {b.counts.failed ? `, ${b.counts.failed} failed` : ''}
            {b.counts.running ? `, ${b.counts.running} running` : ''}
          </span>
          <span>{b.status === 'done' ? 'Complete' : 'In progress — updates by itself'}</span>
        </div>
        <progress className="batch" max={b.counts.total} value={finished} aria-label="Photos finished" />
        {b.status === 'done' ? (
          <p className="small" style={{ margin: '0.4rem 0 0' }}>
            {flagged} of {b.counts.done} analysed photos are flagged as possibly or likely warped. A flag is a reason to
            look closer, not a finding.
          </p>
        ) : null}
      </section>
      <fieldset className="batch-tools">
        <legend className="sr-only">Filter and sort</legend>
        <div>
          <label htmlFor="f-level">Show</label>
          <select id="f-level" value={filter} onChange={(e) => setFilter(e.target.value as Filter)}>
            <option value="all">All photos</option>
            <option value="likely">{LEVEL_LABELS.likely}</option>
            <option value="possibly">{LEVEL_LABELS.possibly}</option>
            <option value="inconclusive">{LEVEL_LABELS.inconclusive}</option>
            <option value="none">{LEVEL_LABELS.none}</option>
            <option value="unvalidated">{LEVEL_LABELS.unvalidated}</option>
            <option value="failed">Failed</option>
            <option value="pending">Not finished</option>
          </select>
        </div>
        <div>
          <label htmlFor="f-min">Score at least {minScore}%</label>
          <input
            id="f-min"
            type="range"
            min={0}
            max={100}
            step={5}
            value={minScore}
            onChange={(e) => setMinScore(Number(e.target.value))}
          />
        </div>
        <div>
          <label htmlFor="f-q">File name</label>
          <input id="f-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Filter by name" />
        </div>
        <div>
          <label htmlFor="f-sort">Sort</label>
          <select id="f-sort" value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
            <option value="prob-desc">Highest score first</option>
            <option value="prob-asc">Lowest score first</option>
            <option value="name">File name</option>
            <option value="submitted">Order submitted</option>
          </select>
        </div>
        <p className="small muted" aria-live="polite" style={{ margin: 0 }}>
          {shown.length} shown
        </p>
      </fieldset>
      <ul className="grid" aria-label="Photos in this batch">
        {shown.map(({ it, level }) => (
          <li key={it.id} className="tile" data-level={level} data-testid="tile">
            <a href={`/analyses/${it.id}`}>
              <div className="thumb">
                {it.status === 'done' || it.status === 'failed' ? (
                  <AuthImage url={`/api/v1/analyses/${it.id}/original?w=360`} alt="" loading="lazy" />
                ) : (
                  <span>{STAGE_LABELS[it.status === 'running' ? (it.stage ?? 'detecting faces') : 'queued']}…</span>
                )}
              </div>
              <div className="body">
                <span className="tile-name" title={it.file}>
                  {it.file}
                </span>
                {it.status === 'done' ? (
                  <>
                    <span>
                      <span className="tile-score">{pct(it.probability, DEFAULT_THRESHOLD)}</span>{' '}
                      <span className="level small">{LEVEL_LABELS[level]}</span>
                    </span>
                    <span className="small muted">
                      {it.faces === 0 ? 'no face found' : `${it.faces} face${it.faces === 1 ? '' : 's'}`} · max{' '}
                      {px(it.maxDisplacementPx)}
                    </span>
                    {it.historyBreaks?.length ? (
                      <span className="small" data-testid="tile-history">
                        JPEG history breaks: {it.historyBreaks.join('; ')}
                      </span>
                    ) : null}
                  </>
                ) : it.status === 'failed' ? (
                  <span className="small" style={{ color: 'var(--likely)' }}>
                    Failed: {it.error?.message}
                  </span>
                ) : (
                  <span className="small muted">{it.status === 'running' ? 'Analysing' : 'Waiting'}</span>
                )}
              </div>
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
