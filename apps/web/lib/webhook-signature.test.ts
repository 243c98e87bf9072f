import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './webhook-signature.ts';

describe('webhook signature', () => {
  const body = JSON.stringify({ id: 'a-1', status: 'done' });
  const now = 1_750_000_000;

  it('verifies what it signs and nothing else', () => {
    const signature = signWebhook('s3cret', now, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhook('s3cret', { signature, timestamp: String(now) }, body, { now })).toEqual({ ok: true });
    expect(verifyWebhook('other', { signature, timestamp: String(now) }, body, { now }).ok).toBe(false);
    expect(verifyWebhook('s3cret', { signature, timestamp: String(now) }, `${body} `, { now }).ok).toBe(false);
    expect(verifyWebhook('s3cret', { signature, timestamp: String(now + 1) }, body, { now }).ok).toBe(false);
  });

  it('refuses old timestamps (replays)', () => {
    const signature = signWebhook('s3cret', now - 3600, body);
    expect(verifyWebhook('s3cret', { signature, timestamp: String(now - 3600) }, body, { now })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/tolerance/),
    });
  });
});
