// Step 4 — VIN entry: type a VIN (normalized; 17 characters, no I/O/Q, the maker's WMI) or pick one the
// owner saved earlier for this brand.
import type { Context } from 'koa';
import { type BrandId, findBrand } from '../domain/vehicles/brands.ts';
import { checkVin } from '../domain/vehicles/vin.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { JourneysRepository } from '../storage/journeys.ts';
import type { JourneyState } from './context.ts';
import { field, guarded, redirectToOpenStep, renderStep } from './page.ts';

export interface VinStepDependencies {
  accounts: AccountsRepository;
  journeys: JourneysRepository;
}

export function vinStep(deps: VinStepDependencies) {
  async function savedVehicles(state: JourneyState) {
    const { journey } = state;
    // The journey knows an account only once the owner proved it (password or mailed code).
    if (!journey.accountId || !journey.brand) return [];
    return deps.accounts.savedVehicles(journey.accountId, journey.brand);
  }

  async function show(
    ctx: Context,
    state: JourneyState,
    form: { vin?: string },
    errors: Record<string, string> = {},
  ) {
    const brand = findBrand(state.journey.brand ?? '');
    renderStep(
      ctx,
      'vin',
      {
        brand: brand ? { id: brand.id, name: brand.name } : undefined,
        savedVehicles: await savedVehicles(state),
        form,
        errors,
        brandName: brand?.name,
      },
      Object.keys(errors).length > 0 ? 400 : 200,
    );
  }

  return {
    show: guarded('vin', async (ctx, state) => show(ctx, state, { vin: state.journey.vin ?? undefined })),
    submit: guarded('vin', async (ctx, state) => {
      const brandId = state.journey.brand as BrandId;
      const saved = field(ctx, 'saved_vin');
      let vin: string;
      if (saved) {
        const offered = await savedVehicles(state);
        if (!offered.some((vehicle) => vehicle.vin === saved)) {
          return show(ctx, state, {}, { vin: 'domain:vinProblems.missing' });
        }
        vin = saved;
      } else {
        const typed = field(ctx, 'vin');
        const check = checkVin(typed, brandId);
        if (!check.ok)
          return show(ctx, state, { vin: typed }, { vin: `domain:vinProblems.${check.problem}` });
        vin = check.vin;
      }
      await deps.journeys.update(state.journey.uid, { vin });
      state.journey = { ...state.journey, vin };
      redirectToOpenStep(ctx);
    }),
  };
}
