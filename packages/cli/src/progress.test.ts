import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress, formatDuration } from './progress.ts';

describe('createProgress', () => {
  afterEach(() => vi.restoreAllMocks());

  it('draws a full bar and a zero ETA when a run does more than its total said, instead of throwing', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const progress = createProgress(1800, 'calibrate ');
    expect(() => progress.update(2400)).not.toThrow();
    progress.done();
    const line = lines.join('');
    expect(line).toContain(`[${'#'.repeat(24)}] 2400/1800`);
    expect(line).not.toMatch(/ETA -/);
  });

  it('formats durations as seconds, minutes or hours', () => {
    expect(formatDuration(4.25)).toBe('4.3s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(7300)).toBe('2h01m');
  });
});
