// What a delivered webhook costs: each vehicle event the same configured price, the status webhooks and
// the test event nothing; per receiver, vehicle and calendar month (UTC) no more than the cap, so the event
// that reaches it is charged the remainder and those after it nothing. A month's statement takes a volume
// discount off its subtotal: the percentage of the highest tier whose vehicle count the month reached
// (vehicles that received at least one charged event), rounded down to whole cents. Amounts are integer
// cents throughout, so nothing is ever rounded but that discount.
import { isVehicleEventType } from '../domain/vehicle-events.ts';

export interface DiscountTier {
  /** From this many vehicles in a month… */
  vehicles: number;
  /** …this percentage off the month's subtotal. */
  percent: number;
}

export interface Pricing {
  currency: 'EUR';
  eventPriceCents: number;
  monthlyCapCents: number;
  discountTiers: readonly DiscountTier[];
}

/** The list price of one webhook of `type`: vehicle events cost, everything else is free. */
export function listPriceCents(pricing: Pricing, type: string): number {
  return isVehicleEventType(type) ? pricing.eventPriceCents : 0;
}

/** The percentage off for a month in which `vehicles` vehicles received charged events. */
export function discountPercent(pricing: Pricing, vehicles: number): number {
  let percent = 0;
  for (const tier of pricing.discountTiers)
    if (vehicles >= tier.vehicles) percent = Math.max(percent, tier.percent);
  return percent;
}

export function discountCents(pricing: Pricing, subtotalCents: number, vehicles: number): number {
  return Math.floor((subtotalCents * discountPercent(pricing, vehicles)) / 100);
}

/** The calendar month (UTC) of an instant, `YYYY-MM`: what the cap and the statement count by. */
export function billingMonth(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** `100:5,1000:10` → tiers, `none` → none; the setting's parser (see the configuration). */
export function parseDiscountTiers(value: string): DiscountTier[] | undefined {
  if (value.trim() === 'none') return [];
  const tiers: DiscountTier[] = [];
  for (const part of value.split(',')) {
    const match = /^\s*(\d+)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!match) return undefined;
    const tier = { vehicles: Number(match[1]), percent: Number(match[2]) };
    if (tier.vehicles < 1 || tier.percent > 100) return undefined;
    tiers.push(tier);
  }
  return tiers.sort((a, b) => a.vehicles - b.vehicles);
}
