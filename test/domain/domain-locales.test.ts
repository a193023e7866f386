import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { authorizationStatuses, clearanceStatuses } from '../../src/domain/clearance/status.ts';
import { dataPointGroups, dataPoints } from '../../src/domain/data-points.ts';
import { vehicleEventTypes } from '../../src/domain/vehicle-events.ts';
import { vinProblems } from '../../src/domain/vehicles/vin.ts';

function keysOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => keysOf(child, prefix ? `${prefix}.${key}` : key));
}

function load(locale: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../locales/${locale}/domain.json`, import.meta.url), 'utf8'));
}

const en = load('en');
const de = load('de');
const required = [
  ...dataPoints.flatMap((id) => [`dataPoints.${id}.label`, `dataPoints.${id}.description`]),
  ...dataPointGroups.map((group) => `dataPointGroups.${group}`),
  ...vinProblems.map((problem) => `vinProblems.${problem}`),
  ...clearanceStatuses.map((status) => `clearanceStatus.${status}`),
  ...authorizationStatuses.map((status) => `authorizationStatus.${status}`),
  ...vehicleEventTypes.map((type) => `vehicle_events.${type}`),
];

describe('locales/*/domain.json', () => {
  it('has the same keys in English and German', () => {
    expect(keysOf(de).sort()).toEqual(keysOf(en).sort());
  });

  it('labels every data point, VIN problem, status and vehicle event type, and nothing else', () => {
    expect(keysOf(en).sort()).toEqual([...required].sort());
  });

  it.each([
    ['en', en],
    ['de', de],
  ])('names the brand in the wrong_brand message (%s)', (_locale, messages) => {
    expect((messages['vinProblems'] as Record<string, string>)['wrong_brand']).toContain('{{brand}}');
  });
});
