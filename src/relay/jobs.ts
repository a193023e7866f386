// The relay's outbox job kinds: sending a clearance request to the maker, and asking the maker to revoke.
import type { OemConnector } from '../connectors/connector.ts';
import type { JobRegistry } from '../outbox/jobs.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { FleetVehiclesRepository } from '../storage/fleet-vehicles.ts';
import type { FleetsRepository } from '../storage/fleets.ts';
import { oemRevokeJob, type RelayStore } from './apply-clearance-event.ts';
import { clearanceRequestJob, requestClearanceJob } from './request-clearance.ts';
import { revokeAtMakerJob } from './revoke-at-maker.ts';

export interface RelayJobDependencies {
  store: RelayStore;
  accounts: AccountsRepository;
  apps: AppsRepository;
  fleets: FleetsRepository;
  fleetVehicles: FleetVehiclesRepository;
  connectorFor(provider: string): OemConnector | undefined;
  /** Where the maker sends its callbacks about a clearance of `provider`. */
  callbackUrl(provider: string): string;
}

export function relayJobs(deps: RelayJobDependencies): JobRegistry {
  return {
    [clearanceRequestJob]: requestClearanceJob({
      ...deps.store,
      accounts: deps.accounts,
      apps: deps.apps,
      fleets: deps.fleets,
      trackerIdOf: deps.fleetVehicles.trackerIdOf,
      connectorFor: deps.connectorFor,
      callbackUrl: deps.callbackUrl,
    }),
    [oemRevokeJob]: revokeAtMakerJob({ store: deps.store, connectorFor: deps.connectorFor }),
  };
}
