import { describe, expect, it } from 'vitest';
import {
  checkAuthorizationDetails,
  detailsWithStatus,
  requestedVehicleData,
} from '../../src/domain/vehicle-data-details.ts';

const app = { dataPoints: ['location', 'mileage'], brands: ['bmw', 'mini'] };
const vin = 'WBA8E9G50GNT12345';

describe('checkAuthorizationDetails', () => {
  it.each([
    ['data points only', [{ type: 'vehicle_data', data_points: ['mileage'] }]],
    [
      'a brand and a VIN',
      [{ type: 'vehicle_data', data_points: ['location', 'mileage'], brand: 'mini', vin }],
    ],
    [
      'a VIN in lowercase with spaces',
      [{ type: 'vehicle_data', data_points: ['mileage'], vin: ' wba8 e9g5 0gnt 12345' }],
    ],
  ])('accepts %s', (_case, details) => {
    expect(checkAuthorizationDetails(details, app)).toMatchObject({ ok: true });
  });

  it.each([
    ['no array', { type: 'vehicle_data', data_points: ['mileage'] }, 'not_one_detail'],
    ['an empty array', [], 'not_one_detail'],
    [
      'two details',
      [
        { type: 'vehicle_data', data_points: ['mileage'] },
        { type: 'vehicle_data', data_points: ['location'] },
      ],
      'not_one_detail',
    ],
    ['another type', [{ type: 'payment_initiation', data_points: ['mileage'] }], 'unknown_type'],
    ['a string', ['vehicle_data'], 'unknown_type'],
    [
      'an extra field',
      [{ type: 'vehicle_data', data_points: ['mileage'], locations: ['x'] }],
      'unknown_field',
    ],
    ['no data points', [{ type: 'vehicle_data' }], 'data_points_invalid'],
    ['empty data points', [{ type: 'vehicle_data', data_points: [] }], 'data_points_invalid'],
    [
      'a data point twice',
      [{ type: 'vehicle_data', data_points: ['mileage', 'mileage'] }],
      'data_points_invalid',
    ],
    [
      'an unknown data point',
      [{ type: 'vehicle_data', data_points: ['tyre_pressure'] }],
      'data_point_unknown',
    ],
    ['a data point that is no string', [{ type: 'vehicle_data', data_points: [7] }], 'data_point_unknown'],
    [
      'an unregistered data point',
      [{ type: 'vehicle_data', data_points: ['lights'] }],
      'data_point_not_registered',
    ],
    [
      'a brand the app lacks',
      [{ type: 'vehicle_data', data_points: ['mileage'], brand: 'peugeot' }],
      'brand_not_enabled',
    ],
    [
      'an unknown brand',
      [{ type: 'vehicle_data', data_points: ['mileage'], brand: 'trabant' }],
      'brand_not_enabled',
    ],
    [
      'a VIN with O',
      [{ type: 'vehicle_data', data_points: ['mileage'], vin: 'WBAOE9G50GNT12345' }],
      'vin_invalid',
    ],
    [
      'a short VIN',
      [{ type: 'vehicle_data', data_points: ['mileage'], vin: 'WBA8E9G50GNT1234' }],
      'vin_invalid',
    ],
    [
      'a VIN that is no string',
      [{ type: 'vehicle_data', data_points: ['mileage'], vin: 12345 }],
      'vin_invalid',
    ],
  ])('refuses %s', (_case, details, problem) => {
    expect(checkAuthorizationDetails(details, app)).toMatchObject({ ok: false, problem });
  });
});

describe('requestedVehicleData', () => {
  it('reads the detail from the request parameters', () => {
    const text = JSON.stringify([{ type: 'vehicle_data', data_points: ['mileage'], brand: 'bmw', vin }]);
    expect(requestedVehicleData({ authorization_details: text })).toEqual({
      type: 'vehicle_data',
      data_points: ['mileage'],
      brand: 'bmw',
      vin,
    });
  });

  it('is undefined without details', () => {
    expect(requestedVehicleData({ scope: 'location' })).toBeUndefined();
    expect(requestedVehicleData({ authorization_details: 'not json' })).toBeUndefined();
  });
});

describe('detailsWithStatus', () => {
  it('adds the authorization status derived from the clearance status', () => {
    expect(detailsWithStatus([{ type: 'vehicle_data', data_points: ['mileage'] }], 'connected')).toEqual([
      { type: 'vehicle_data', data_points: ['mileage'], status: 'approved' },
    ]);
  });
});
