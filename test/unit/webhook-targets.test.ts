import { describe, expect, it } from 'vitest';
import { isInternalAddress, targetProblem } from '../../src/webhooks/target-guard.ts';

describe('webhook target guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fe80::1', true],
    ['fd12:3456::1', true],
    ['::ffff:127.0.0.1', true],
    ['93.184.216.34', false],
    ['2606:2800:220:1:248:1893:25c8:1946', false],
  ])('isInternalAddress › %s → %s', (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });

  it('targetProblem › refuses a loopback target unless private targets are allowed', async () => {
    expect(await targetProblem('http://127.0.0.1:9/hook', false)).toMatch(/internal address/);
    expect(await targetProblem('http://localhost:9/hook', false)).toMatch(/internal address/);
    expect(await targetProblem('http://127.0.0.1:9/hook', true)).toBeUndefined();
    expect(await targetProblem('https://93.184.216.34/hook', false)).toBeUndefined();
    expect(await targetProblem('ftp://93.184.216.34/hook', false)).toMatch(/http/);
  });
});
