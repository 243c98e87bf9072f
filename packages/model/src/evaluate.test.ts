import { describe, expect, it } from 'vitest';
import { interleave } from './evaluate.ts';

describe('interleave', () => {
  it('takes the pools in turn, then the rest of the longer ones, losing nothing', () => {
    expect(interleave([['a1', 'a2', 'a3', 'a4'], ['b1', 'b2'], ['c1']])).toEqual([
      'a1',
      'b1',
      'c1',
      'a2',
      'b2',
      'a3',
      'a4',
    ]);
    expect(interleave([['a1', 'a2']])).toEqual(['a1', 'a2']);
    expect(interleave([[], ['b1']])).toEqual(['b1']);
    expect(interleave([])).toEqual([]);
  });
});
