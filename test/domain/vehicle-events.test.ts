// Which properties of a vehicle event a grant may receive.
import { describe, expect, it } from 'vitest';
import { dataPoints } from '../../src/domain/data-points.ts';
import {
  eventProperties,
  filterEventData,
  propertiesOf,
  vehicleEventTypes,
} from '../../src/domain/vehicle-events.ts';

const everything = Object.fromEntries(Object.keys(eventProperties).map((property) => [property, 1]));

describe('filterEventData', () => {
  it('a grant without location never receives latitude, longitude or heading, in any event type', () => {
    const withoutLocation = dataPoints.filter((point) => point !== 'location');
    for (const type of vehicleEventTypes) {
      const data = filterEventData(type, everything, withoutLocation);
      expect(Object.keys(data)).not.toContain('latitude');
      expect(Object.keys(data)).not.toContain('longitude');
      expect(Object.keys(data)).not.toContain('heading');
    }
  });

  it('every data point granted: exactly the properties the type lists', () => {
    for (const type of vehicleEventTypes)
      expect(Object.keys(filterEventData(type, everything, dataPoints))).toEqual([...propertiesOf[type]]);
  });

  it('no data point granted: only the event’s own time and connection state', () => {
    expect(filterEventData('accident_reported', everything, [])).toEqual({
      mobile_connection: 1,
      vehicle_time: 1,
    });
  });

  it('a property the table does not name is never passed on', () => {
    expect(filterEventData('vehicle_location_changed', { latitude: 1, owner_name: 'x' }, dataPoints)).toEqual(
      {
        latitude: 1,
      },
    );
  });

  it('every property names a known data point or none', () => {
    for (const needs of Object.values(eventProperties))
      if (needs !== null) expect(dataPoints as readonly string[]).toContain(needs);
  });
});
