/** A one-line progress bar with ETA on stderr (redrawn on a TTY, a line every few seconds otherwise). */
export function createProgress(total: number, label = '') {
  const start = performance.now();
  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  return {
    update(done: number, note = '') {
      const now = performance.now();
      if (!tty && now - lastLine < 5000 && done < total) return;
      lastLine = now;
      const elapsed = (now - start) / 1000;
      const rate = done / Math.max(elapsed, 1e-9);
      const eta = done > 0 ? Math.max(0, total - done) / rate : Number.NaN;
      const width = 24;
      // Clamped: a caller's total that undercounts must not end a long run with a RangeError from repeat().
      const filled = Math.min(width, Math.max(0, Math.round((width * done) / Math.max(total, 1))));
      const line = `${label}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${formatDuration(elapsed)} elapsed, ETA ${Number.isFinite(eta) ? formatDuration(eta) : '?'} ${note}`;
      process.stderr.write(
        tty
          ? `\r${line.slice(0, (process.stderr.columns ?? 120) - 1).padEnd(Math.min(process.stderr.columns ?? 120, 120) - 1)}`
          : `${line}\n`,
      );
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

export function formatDuration(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
