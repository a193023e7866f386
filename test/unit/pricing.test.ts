// Prices, the billing month and volume discounts: whole cents, the one rounding documented.
import { describe, expect, it } from 'vitest';
import {
  billingMonth,
  discountCents,
  discountPercent,
  listPriceCents,
  type Pricing,
  parseDiscountTiers,
} from '../../src/usage/pricing.ts';
import { isBillingMonth } from '../../src/usage/statement.ts';

const pricing: Pricing = {
  currency: 'EUR',
  eventPriceCents: 12,
  monthlyCapCents: 669,
  discountTiers: [
    { vehicles: 100, percent: 5 },
    { vehicles: 1000, percent: 10 },
  ],
};

describe('pricing', () => {
  it('vehicle events cost the configured price; status webhooks and pings are free', () => {
    expect(listPriceCents(pricing, 'accident_reported')).toBe(12);
    expect(listPriceCents(pricing, 'vehicle_location_changed')).toBe(12);
    for (const free of ['authorization_changed', 'fleet_clearance_changed', 'ping'])
      expect(listPriceCents(pricing, free)).toBe(0);
  });

  it('the billing month is the UTC calendar month, to the millisecond', () => {
    expect(billingMonth(Date.UTC(2026, 10, 30, 23, 59, 59, 999))).toBe('2026-11');
    expect(billingMonth(Date.UTC(2026, 11, 1, 0, 0, 0, 0))).toBe('2026-12');
  });

  it('the highest tier reached applies; the discount is rounded down to whole cents', () => {
    expect(discountPercent(pricing, 99)).toBe(0);
    expect(discountPercent(pricing, 100)).toBe(5);
    expect(discountPercent(pricing, 5000)).toBe(10);
    expect(discountCents(pricing, 1999, 100)).toBe(99); // 99.95 → 99
    expect(discountCents(pricing, 1999, 10)).toBe(0);
  });

  it('tiers parse from `vehicles:percent` pairs; anything else is refused', () => {
    expect(parseDiscountTiers('1000:10, 100:5')).toEqual([
      { vehicles: 100, percent: 5 },
      { vehicles: 1000, percent: 10 },
    ]);
    expect(parseDiscountTiers('none')).toEqual([]);
    for (const bad of ['', '100', '100:5;1000:10', '0:5', '100:101', 'x:5'])
      expect(parseDiscountTiers(bad)).toBeUndefined();
  });

  it('a month is YYYY-MM with a real month', () => {
    expect(isBillingMonth('2026-12')).toBe(true);
    for (const bad of ['2026-13', '2026-00', '26-12', '2026-1', 'December', undefined])
      expect(isBillingMonth(bad)).toBe(false);
  });
});
