import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CallbackUrlError,
  checkCallbackTarget,
  checkCallbackUrl,
  guardedLookup,
  isPrivateAddress,
} from './callback-url.ts';

const resolveTo = (ips: string[]) => async () => ips;

describe('callback URLs', () => {
  it('knows private, loopback, link-local, CGNAT and IPv4-mapped addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a00:1',
      'not-an-ip',
    ])
      expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect(isPrivateAddress(ip), ip).toBe(false);
  });

  it('accepts public http(s) URLs', async () => {
    await expect(checkCallbackUrl('https://hooks.example.org/unwarp', [], resolveTo(['93.184.216.34']))).resolves.toBe(
      'https://hooks.example.org/unwarp',
    );
  });

  it('refuses hosts that resolve to the server network, unless allowed', async () => {
    await expect(
      checkCallbackUrl('http://internal.example/x', [], resolveTo(['93.184.216.34', '10.0.0.5'])),
    ).rejects.toMatchObject({ code: 'callback-url-forbidden', retry: false });
    await expect(checkCallbackUrl('http://127.0.0.1:9999/x', [])).rejects.toBeInstanceOf(CallbackUrlError);
    await expect(checkCallbackUrl('http://[::1]:9999/x', [])).rejects.toMatchObject({ code: 'callback-url-forbidden' });
    await expect(checkCallbackUrl('http://[::ffff:127.0.0.1]/x', [])).rejects.toMatchObject({
      code: 'callback-url-forbidden',
    });
    await expect(checkCallbackUrl('http://127.0.0.1:9999/x', ['127.0.0.1'])).resolves.toContain('127.0.0.1');
    await expect(
      checkCallbackUrl('http://receiver.local/x', ['receiver.local'], resolveTo(['10.0.0.5'])),
    ).resolves.toContain('receiver.local');
    await expect(checkCallbackUrl('http://10.9.9.9/x', ['*'])).resolves.toContain('10.9.9.9');
  });

  it('refuses other schemes, credentials and unresolvable hosts', async () => {
    await expect(checkCallbackUrl('ftp://example.org/x', [])).rejects.toMatchObject({ code: 'invalid-callback-url' });
    await expect(
      checkCallbackUrl('https://user:pw@example.org/x', [], resolveTo(['93.184.216.34'])),
    ).rejects.toMatchObject({ code: 'invalid-callback-url' });
    await expect(checkCallbackUrl('not a url', [])).rejects.toMatchObject({ code: 'invalid-callback-url' });
    await expect(
      checkCallbackUrl('https://nowhere.invalid/x', [], async () => {
        throw new Error('ENOTFOUND');
      }),
    ).rejects.toMatchObject({ code: 'invalid-callback-url' });
  });

  it('checks IP-literal targets before connecting', () => {
    expect(() => checkCallbackTarget('http://169.254.169.254/latest', [])).toThrow(CallbackUrlError);
    expect(() => checkCallbackTarget('http://[::ffff:a9fe:a9fe]/latest', [])).toThrow(/private or loopback/);
    expect(checkCallbackTarget('http://127.0.0.1:8080/x', ['127.0.0.1']).port).toBe('8080');
    expect(checkCallbackTarget('https://hooks.example.org/x', []).hostname).toBe('hooks.example.org');
    expect(() => checkCallbackTarget('file:///etc/passwd', [])).toThrow(CallbackUrlError);
  });
});

describe('guardedLookup: the check at connect time', () => {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(204).end();
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  // "rebind.test" resolved to a public address when the job was submitted; now it points at loopback.
  const post = (path: string, allow: string[]) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        `http://rebind.test:${port}${path}`,
        { method: 'POST', lookup: guardedLookup(allow, resolveTo(['127.0.0.1'])) },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });

  it('refuses to connect when the host now resolves to a private address', async () => {
    await expect(post('/refused', [])).rejects.toMatchObject({ code: 'callback-url-forbidden' });
    expect(hits).not.toContain('/refused');
  });

  it('connects when the host or its address is allowed', async () => {
    expect(await post('/by-host', ['rebind.test'])).toBe(204);
    expect(await post('/by-ip', ['127.0.0.1'])).toBe(204);
    expect(hits).toEqual(['/by-host', '/by-ip']);
  });
});
