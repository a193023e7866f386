import { describe, expect, it } from 'vitest';
import { dataPoints, isDataPoint } from '../../src/domain/data-points.ts';

describe('data points', () => {
  it('keeps the public scope values stable', () => {
    expect(dataPoints).toEqual([
      'location',
      'mileage',
      'ignition',
      'battery_level',
      'lights',
      'doors_locks',
      'energy_level',
      'maintenance',
      'navigation_destination',
      'vehicle_moving',
    ]);
  });

  it.each(dataPoints)('isDataPoint › accepts %s', (id) => {
    expect(isDataPoint(id)).toBe(true);
  });

  it.each([undefined, '', 'Location', 'openid', 'offline_access', 'location mileage', 'toString'])(
    'isDataPoint › refuses %j',
    (value) => {
      expect(isDataPoint(value)).toBe(false);
    },
  );
});
