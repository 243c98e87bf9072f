import type { BatchItem } from './client-types.ts';

export const EXPORT_COLUMNS = [
  'file',
  'sha256',
  'probability',
  'verdict',
  'faces',
  'max displacement px',
  'jpeg history breaks',
  'status',
  'error',
] as const;

/** Highest probability first (what a moderator looks at first); items without a score last, in submission order. */
export function sortForTriage(items: BatchItem[]): BatchItem[] {
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => (b.item.probability ?? -1) - (a.item.probability ?? -1) || a.i - b.i)
    .map((x) => x.item);
}

const row = (it: BatchItem) => ({
  file: it.file,
  sha256: it.sha256,
  probability: it.probability ?? null,
  verdict: it.verdict ?? null,
  faces: it.faces ?? null,
  maxDisplacementPx: it.maxDisplacementPx ?? null,
  historyBreaks: it.historyBreaks ?? null,
  status: it.status,
  error: it.error ? `${it.error.code}: ${it.error.message}` : null,
});

export function toJsonl(items: BatchItem[]): string {
  return sortForTriage(items)
    .map((it) => `${JSON.stringify({ id: it.id, ...row(it) })}\n`)
    .join('');
}

export function toCsv(items: BatchItem[]): string {
  const lines = [EXPORT_COLUMNS.join(',')];
  for (const it of sortForTriage(items)) {
    const r = row(it);
    lines.push(
      [
        r.file,
        r.sha256,
        r.probability,
        r.verdict,
        r.faces,
        r.maxDisplacementPx,
        r.historyBreaks ? r.historyBreaks.join('; ') : null,
        r.status,
        r.error,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** RFC 4180 quoting, plus a leading quote on text that a spreadsheet would run as a formula (=, +, -, @). */
export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
