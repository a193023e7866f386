// The translator remembers results per locale, key and interpolation values: a remembered result must
// never stand in for other values, another locale, or a different key.
import { describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/index.ts';

describe('translator', () => {
  const en = translator('en');
  const de = translator('de');

  it('interpolates each call’s own values, also when a key was translated before with others', () => {
    expect(en('account:dashboard.revoke_label', { app: 'Fleetly', vin: 'WBA8E9G50GNT12345' })).toBe(
      'Revoke access of Fleetly to vehicle WBA8E9G50GNT12345',
    );
    expect(en('account:dashboard.revoke_label', { app: 'Fleetly', vin: 'WBA8E9G50GNT99999' })).toBe(
      'Revoke access of Fleetly to vehicle WBA8E9G50GNT99999',
    );
    expect(en('account:dashboard.revoke_label', { vin: 'WBA8E9G50GNT12345', app: 'Other' })).toBe(
      'Revoke access of Other to vehicle WBA8E9G50GNT12345',
    );
    expect(en('account:dashboard.signed_in_as', { email: 'a@example.com' })).toBe(
      'Signed in as a@example.com',
    );
    expect(en('account:dashboard.signed_in_as', { email: 'b@example.com' })).toBe(
      'Signed in as b@example.com',
    );
  });

  it('keeps locales apart', () => {
    expect(en('account:dashboard.signed_in_as', { email: 'a@example.com' })).toBe(
      'Signed in as a@example.com',
    );
    expect(de('account:dashboard.signed_in_as', { email: 'a@example.com' })).toBe(
      'Angemeldet als a@example.com',
    );
  });

  it('passes values that are not plain strings or numbers straight to i18next', () => {
    const email = { toString: () => 'c@example.com' };
    expect(en('account:dashboard.signed_in_as', { email } as never)).toBe('Signed in as c@example.com');
    expect(en('account:dashboard.signed_in_as', { email: 'd@example.com' })).toBe(
      'Signed in as d@example.com',
    );
  });

  it('stays correct past its bound (thousands of distinct values)', () => {
    for (let n = 0; n < 5_000; n++) {
      expect(en('account:dashboard.signed_in_as', { email: `owner-${n}@example.com` })).toBe(
        `Signed in as owner-${n}@example.com`,
      );
    }
    expect(en('common:language.en')).toBe('English');
  });
});
