// Ids of what fleets create. A vehicle's id grows with time (milliseconds, then a counter within the
// millisecond, then randomness), so listing in id order is listing in registration order.
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

export function newVehicleId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (++sequence > 0xffff) {
    lastMs++;
    sequence = 0;
  }
  const time = lastMs.toString(16).padStart(12, '0');
  const counter = (sequence & 0xffff).toString(16).padStart(4, '0');
  return `veh_${time}${counter}${randomBytes(6).toString('hex')}`;
}

export const newDocumentId = () => `doc_${randomBytes(16).toString('hex')}`;
export const newFleetId = () => `fleet_${randomBytes(10).toString('hex')}`;
