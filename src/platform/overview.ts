// The Platform's overview (GET /platform): the fleet's vehicles grouped by status category with the counts
// of each, filtered by provider, status and a search, a page at a time. The same listing, filters and
// checks as the fleet API (../fleet-api/list-query.ts, ../storage/fleet-vehicles.ts).
import type { Context } from 'koa';
import { type StatusCategory, statusCategories, statusesIn } from '../domain/fleet/categories.ts';
import { fleetProviderIds } from '../domain/fleet/providers.ts';
import { InvalidInput } from '../errors.ts';
import { encodeCursor, parseListQuery } from '../fleet-api/list-query.ts';
import type { FleetVehiclesRepository, VehicleFilter } from '../storage/fleet-vehicles.ts';
import { render } from '../web/views.ts';
import { fleetUser } from './fleet-user.ts';
import { vehicleRow } from './present.ts';
import { importNotice } from './vehicle-import.ts';

/** The group shown when none is chosen: the first that has vehicles, problems first. */
const attentionOrder: StatusCategory[] = ['errors', 'pending', 'connected', 'disconnected'];

export function overviewPage(deps: { vehicles: FleetVehiclesRepository }) {
  return async function overview(ctx: Context) {
    const { fleet } = fleetUser(ctx);
    const counts = await deps.vehicles.counts(fleet.id);
    let filter: VehicleFilter;
    let problems: string[] = [];
    try {
      filter = parseListQuery(ctx.query);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      problems = error.problems.map((problem) => problem.messageKey);
      filter = parseListQuery({});
    }
    filter.limit = 50;
    const category = filter.category ?? attentionOrder.find((name) => counts[name] > 0) ?? 'connected';
    filter.category = category;
    const page = await deps.vehicles.list(fleet.id, { ...filter, limit: filter.limit + 1 });
    const more = page.length > filter.limit;
    const vehicles = more ? page.slice(0, filter.limit) : page;
    const query = (extra: Record<string, string | undefined>) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries({
        category,
        provider: filter.provider,
        status: filter.status,
        q: filter.q,
        ...extra,
      }))
        if (value) params.set(key, value);
      return `/platform?${params.toString()}`;
    };
    const last = vehicles.at(-1);
    render(ctx, 'platform/overview.njk', {
      fleet: { name: fleet.name, isAdmin: fleetUser(ctx).role === 'admin' },
      problems,
      categories: statusCategories.map((name) => ({
        name,
        count: counts[name],
        current: name === category,
        href: `/platform?category=${name}`,
      })),
      category,
      filter: { provider: filter.provider ?? '', status: filter.status ?? '', q: filter.q ?? '' },
      providers: fleetProviderIds,
      statuses: statusesIn(category),
      vehicles: vehicles.map(vehicleRow),
      nextPage: more && last ? query({ cursor: encodeCursor(last.id) }) : undefined,
      firstPage: filter.after ? query({}) : undefined,
      imported: importNotice(ctx.query),
    });
  };
}
