// Where webhooks may go: only globally routable unicast addresses, an IPv6 address that embeds an IPv4
// address judged by that address too, https only in production, and connections made only to the addresses
// the guard checked (real HTTP receivers on 127.0.0.1 stand in for the inside of the network).
import type { LookupAddress } from 'node:dns';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  guardedDispatcher,
  internalAddressKind,
  type ResolveHost,
  TargetRefused,
  webhookUrlProblems,
} from '../../src/webhooks/target-guard.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/relay.ts';

const production = { allowPrivateTargets: false, requireHttps: true };
const development = { allowPrivateTargets: true, requireHttps: false };

/** A resolver that knows a few names only, as a test's DNS. */
const answering =
  (answers: Record<string, string[]>): ResolveHost =>
  async (hostname) => {
    const addresses = answers[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('webhook target', () => {
  it.each([
    ['169.254.169.254 (the cloud metadata address)', '169.254.169.254', /link-local/],
    ['10.0.0.1 (private network)', '10.0.0.1', /private/],
    ['172.16.5.4 (private network)', '172.16.5.4', /private/],
    ['192.168.1.1 (private network)', '192.168.1.1', /private/],
    ['127.0.0.1 (loopback)', '127.0.0.1', /loopback/],
    ['127.53.0.1 (loopback beyond .0.0.1)', '127.53.0.1', /loopback/],
    ['0.0.0.0 (unspecified, reaches the local host)', '0.0.0.0', /unspecified/],
    ['255.255.255.255 (broadcast)', '255.255.255.255', /broadcast/],
    ['224.0.0.1 (multicast)', '224.0.0.1', /multicast/],
    ['100.64.0.1 (carrier-grade NAT)', '100.64.0.1', /carrier-grade NAT/],
    ['192.0.0.1 (IETF protocol assignments)', '192.0.0.1', /reserved/],
    ['192.0.2.10 (documentation)', '192.0.2.10', /reserved/],
    ['198.51.100.10 (documentation)', '198.51.100.10', /reserved/],
    ['203.0.113.10 (documentation)', '203.0.113.10', /reserved/],
    ['198.18.0.1 (benchmarking)', '198.18.0.1', /reserved/],
    ['240.0.0.1 (reserved for future use)', '240.0.0.1', /reserved/],
    ['::1 (IPv6 loopback)', '::1', /loopback/],
    [':: (IPv6 unspecified)', '::', /unspecified/],
    ['fe80::1 (IPv6 link-local)', 'fe80::1', /link-local/],
    ['fd12:3456::1 (unique local)', 'fd12:3456::1', /unique local/],
    ['fec0::1 (deprecated site-local)', 'fec0::1', /site-local/],
    ['ff02::1 (IPv6 multicast)', 'ff02::1', /multicast/],
    ['2001:db8::1 (IPv6 documentation)', '2001:db8::1', /reserved/],
    ['2001:2::1 (IPv6 benchmarking)', '2001:2::1', /benchmarking/],
    ['100::1 (discard-only)', '100::1', /discard/],
    ['4000::1 (outside global unicast)', '4000::1', /outside global unicast/],
    ['::ffff:169.254.169.254 (IPv4-mapped metadata address)', '::ffff:169.254.169.254', /link-local/],
    ['::ffff:7f00:1 (IPv4-mapped loopback, in hex)', '::ffff:7f00:1', /IPv4-mapped form of 127\.0\.0\.1/],
    ['::127.0.0.1 (IPv4-compatible loopback)', '::127.0.0.1', /IPv4-compatible .*127\.0\.0\.1, loopback/],
    ['::7f00:1 (IPv4-compatible loopback, in hex)', '::7f00:1', /IPv4-compatible .*loopback/],
    ['::8.8.8.8 (IPv4-compatible, deprecated even for a public address)', '::8.8.8.8', /not globally/],
    ['64:ff9b::a9fe:a9fe (NAT64 of the metadata address)', '64:ff9b::a9fe:a9fe', /NAT64 form of 169\.254/],
    ['64:ff9b::7f00:1 (NAT64 of loopback)', '64:ff9b::7f00:1', /NAT64 form of 127\.0\.0\.1/],
    ['64:ff9b:1::a9fe:a9fe (local-use NAT64 of the metadata address)', '64:ff9b:1::a9fe:a9fe', /NAT64/],
    ['64:ff9b:1::808:808 (local-use NAT64, not global)', '64:ff9b:1::808:808', /not globally/],
    ['2002:a9fe:a9fe:: (6to4 of the metadata address)', '2002:a9fe:a9fe::', /6to4 form of 169\.254/],
    ['2002:a00:1::1 (6to4 of a private address)', '2002:a00:1::1', /6to4 form of 10\.0\.0\.1/],
    ['2001:0:a9fe:a9fe::1 (Teredo with the metadata address as server)', '2001:0:a9fe:a9fe::1', /Teredo/],
    [
      '2001:0:4136:e378:0:0:80ff:fffe (Teredo with loopback as client)',
      '2001:0:4136:e378::80ff:fffe',
      /loopback/,
    ],
    ['localhost (not an IP address)', 'localhost', /not an IP address/],
  ])('webhook target › %s is refused', (_, address, kind) => {
    expect(internalAddressKind(address)).toMatch(kind);
  });

  it.each([
    ['93.184.216.34 (public IPv4)', '93.184.216.34'],
    ['8.8.8.8 (public IPv4)', '8.8.8.8'],
    ['2606:4700:4700::1111 (public IPv6)', '2606:4700:4700::1111'],
    ['::ffff:8.8.8.8 (IPv4-mapped public address)', '::ffff:8.8.8.8'],
    ['64:ff9b::808:808 (NAT64 of a public address, as DNS64 answers)', '64:ff9b::808:808'],
    ['2002:808:808::1 (6to4 of a public address)', '2002:808:808::1'],
  ])('webhook target › %s is accepted', (_, address) => {
    expect(internalAddressKind(address)).toBeUndefined();
  });

  it('webhook target › https://169.254.169.254/… (a literal metadata address) is refused in production', async () => {
    expect(await webhookUrlProblems('https://169.254.169.254/latest/meta-data', production)).toEqual([
      'webhook URL https://169.254.169.254/latest/meta-data: 169.254.169.254 is link-local; webhooks may only go to public internet addresses',
    ]);
    expect(await webhookUrlProblems('https://[64:ff9b::a9fe:a9fe]/hook', production)).toEqual([
      expect.stringMatching(/64:ff9b::a9fe:a9fe is NAT64 form of 169\.254\.169\.254, link-local/),
    ]);
  });

  it('webhook target › https://localhost/… (a host name that resolves to loopback) is refused in production', async () => {
    const [problem, ...more] = await webhookUrlProblems('https://localhost:8443/hook', production);
    expect(more).toEqual([]);
    expect(problem).toMatch(/^webhook URL https:\/\/localhost:8443\/hook: localhost resolves to .*loopback/);
  });

  it('webhook target › a host with one public and one private address is refused whole', async () => {
    const resolve = answering({ 'split.example': ['93.184.216.34', '10.0.0.7'] });
    expect(await webhookUrlProblems('https://split.example/hook', production, resolve)).toEqual([
      'webhook URL https://split.example/hook: split.example resolves to 10.0.0.7 (private); webhooks may only go to public internet addresses',
    ]);
  });

  it('webhook target › a host that does not resolve is refused (nothing to check)', async () => {
    expect(await webhookUrlProblems('https://nowhere.example/hook', production, answering({}))).toEqual([
      expect.stringMatching(/could not be resolved \(ENOTFOUND\)/),
    ]);
  });

  it('webhook target › plain http is refused in production (webhooks carry VINs), accepted in development', async () => {
    const resolve = answering({ 'hooks.example': ['93.184.216.34'] });
    expect(await webhookUrlProblems('http://hooks.example/hook', production, resolve)).toEqual([
      'webhook URL http://hooks.example/hook must use https (webhooks carry vehicle identification numbers)',
    ]);
    expect(await webhookUrlProblems('https://hooks.example/hook', production, resolve)).toEqual([]);
    expect(await webhookUrlProblems('http://hooks.example/hook', development, resolve)).toEqual([]);
  });

  it('webhook target › loopback receivers are accepted only where configuration allows private targets', async () => {
    expect(await webhookUrlProblems('http://127.0.0.1:9/hook', development)).toEqual([]);
    expect(
      await webhookUrlProblems('http://127.0.0.1:9/hook', { ...development, allowPrivateTargets: false }),
    ).toEqual([expect.stringMatching(/127\.0\.0\.1 is loopback/)]);
    expect(await webhookUrlProblems('ftp://93.184.216.34/hook', development)).toEqual([
      'webhook URL ftp://93.184.216.34/hook must be an http(s) URL',
    ]);
    expect(await webhookUrlProblems('not a url', development)).toEqual([
      'webhook URL not a url is not an absolute URL',
    ]);
  });
});

describe('guarded connection', () => {
  let receiver: WebhookReceiver;
  let port: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    port = new URL(receiver.url).port;
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const post = (url: string, dispatcher: ReturnType<typeof guardedDispatcher>) =>
    fetch(url, { method: 'POST', body: '{}', dispatcher, signal: AbortSignal.timeout(5_000) });

  it('guarded connection › a host name answered with loopback is never connected to', async () => {
    const before = receiver.connections();
    const dispatcher = guardedDispatcher(production, answering({ 'inside.test': ['127.0.0.1'] }));
    const refused = await post(`http://inside.test:${port}/webhooks`, dispatcher).catch((error) => error);
    expect((refused as Error & { cause?: unknown }).cause).toBeInstanceOf(TargetRefused);
    expect(String((refused as { cause: Error }).cause.message)).toMatch(
      /inside\.test resolves to 127\.0\.0\.1/,
    );
    expect(receiver.connections()).toBe(before);
    await dispatcher.close();
  });

  it('guarded connection › a literal loopback address is never connected to', async () => {
    const before = receiver.connections();
    const dispatcher = guardedDispatcher(production);
    const refused = await post(receiver.url, dispatcher).catch((error) => error);
    expect((refused as Error & { cause?: unknown }).cause).toBeInstanceOf(TargetRefused);
    expect(receiver.connections()).toBe(before);
    await dispatcher.close();
  });

  it('guarded connection › the socket goes to the address the guard resolved and checked, not to a second lookup', async () => {
    // `checked.test` exists only in this resolver: reaching the receiver shows the socket took its answer.
    const dispatcher = guardedDispatcher(development, answering({ 'checked.test': ['127.0.0.1'] }));
    const response = await post(`http://checked.test:${port}/webhooks`, dispatcher);
    expect(response.status).toBe(204);
    await dispatcher.close();
  });
});
