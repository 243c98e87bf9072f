import { describe, expect, it } from 'vitest';
import { bearerToken, findKey, hashKey, parseApiKeys } from './api-keys.ts';

describe('API keys', () => {
  const a = hashKey('alpha');
  const b = hashKey('bravo');

  it('parses hashes with optional per-key limits, and finds a key by its token', () => {
    const keys = parseApiKeys(` ${a} , ${b.toUpperCase()}:5 `);
    expect(keys).toHaveLength(2);
    expect(keys[1]!.perMinute).toBe(5);
    expect(findKey(keys, 'alpha')?.id).toBe(a.slice(0, 12));
    expect(findKey(keys, 'bravo')?.perMinute).toBe(5);
    expect(findKey(keys, 'charlie')).toBeNull();
  });

  it('treats an empty setting as local mode', () => {
    expect(parseApiKeys('')).toEqual([]);
  });

  it('refuses a plain key where a hash belongs, rather than opening the server', () => {
    expect(() => parseApiKeys('my-secret-key')).toThrow(/SHA-256/);
  });

  it('reads bearer tokens', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   xyz ')).toBe('xyz');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });
});
