// Step 4 — VIN entry: type a VIN (normalized; 17 characters, no I/O/Q, the maker's WMI) or pick one the
// owner saved earlier for this brand. When the app named a usable `vin` on its request, that VIN is shown
// fixed and is the one consented to, whatever the form carries; an unusable one is shown with its problem
// and the owner types (or picks) a VIN as usual.
// A typed VIN whose maker code belongs to another brand the app has and the owner's country offers (a MINI
// under BMW, or the reverse) is not a bare error: the page offers to continue as that brand, keeping the VIN
// (`switch_brand`).
import type { Context } from 'koa';
import {
  type Brand,
  type BrandId,
  brandOfWmi,
  findBrand,
  isBrandId,
  isOfferedIn,
} from '../domain/vehicles/brands.ts';
import { checkVin } from '../domain/vehicles/vin.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { JourneysRepository } from '../storage/journeys.ts';
import type { JourneyState } from './context.ts';
import { field, guarded, redirectToOpenStep, renderStep } from './page.ts';
import { checkRequestedVin, requestedVin } from './requested-vehicle.ts';

export interface VinStepDependencies {
  accounts: AccountsRepository;
  journeys: JourneysRepository;
}

interface VinForm {
  vin?: string;
}

/** The brand a typed VIN's maker code names when the owner may switch to it in this journey. */
function otherBrandOf(vin: string | undefined, state: JourneyState): Brand | undefined {
  const brand = brandOfWmi((vin ?? '').trim().toUpperCase().slice(0, 3));
  if (!brand || brand.id === state.journey.brand || !state.app.brands.includes(brand.id)) return undefined;
  return isOfferedIn(brand, state.journey.country ?? '') ? brand : undefined;
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
    form: VinForm,
    errors: Record<string, string> = {},
    options: { status?: number; requestedRefused?: boolean; suggestedBrand?: Brand } = {},
  ) {
    const brand = findBrand(state.journey.brand ?? '');
    const suggested = options.suggestedBrand;
    renderStep(
      ctx,
      'vin',
      {
        brand: brand ? { id: brand.id, name: brand.name } : undefined,
        savedVehicles: await savedVehicles(state),
        form,
        errors,
        brandName: brand?.name,
        requestedRefused: options.requestedRefused ?? false,
        suggestedBrand: suggested ? { id: suggested.id, name: suggested.name } : undefined,
      },
      options.status ?? (Object.keys(errors).length > 0 ? 400 : 200),
    );
  }

  /** The app's VIN, not editable: the owner continues with it or denies on the next step. */
  function showFixed(ctx: Context, state: JourneyState, vin: string) {
    const brand = findBrand(state.journey.brand ?? '');
    renderStep(ctx, 'vin', {
      brand: brand ? { id: brand.id, name: brand.name } : undefined,
      fixedVin: vin,
      brandName: brand?.name,
    });
  }

  return {
    show: guarded('vin', async (ctx, state) => {
      const requested = checkRequestedVin(state.interaction.params, state.journey.brand as BrandId);
      if (requested?.ok) return showFixed(ctx, state, requested.vin);
      // The app's VIN cannot be used: its problem is shown until the owner has given a VIN of their own.
      if (requested && state.journey.vin === null) {
        const form = { vin: requestedVin(state.interaction.params) };
        const errors = { vin: `domain:vinProblems.${requested.problem}` };
        return show(ctx, state, form, errors, { status: 200, requestedRefused: true });
      }
      return show(ctx, state, { vin: state.journey.vin ?? undefined });
    }),
    submit: guarded('vin', async (ctx, state) => {
      const brandId = state.journey.brand as BrandId;
      const requested = checkRequestedVin(state.interaction.params, brandId);
      const saved = field(ctx, 'saved_vin');
      const switchTo = field(ctx, 'switch_brand');
      let vin: string;
      if (switchTo !== undefined && !requested?.ok) {
        // "Continue as MINI": the typed VIN under the brand its maker code names, if the journey allows it.
        const typed = field(ctx, 'vin');
        const other = otherBrandOf(typed, state);
        const check =
          other && isBrandId(switchTo) && other.id === switchTo ? checkVin(typed, other.id) : undefined;
        if (!other || !check?.ok)
          return show(ctx, state, { vin: typed }, { vin: 'journey:errors.brand_switch_invalid' });
        await deps.journeys.update(state.journey.uid, { brand: other.id, vin: check.vin });
        state.journey = { ...state.journey, brand: other.id, vin: check.vin };
        return redirectToOpenStep(ctx);
      }
      if (requested?.ok) {
        // The form's fields cannot change the VIN the app asked for.
        vin = requested.vin;
      } else if (saved) {
        const offered = await savedVehicles(state);
        if (!offered.some((vehicle) => vehicle.vin === saved)) {
          return show(ctx, state, {}, { vin: 'domain:vinProblems.missing' });
        }
        vin = saved;
      } else {
        const typed = field(ctx, 'vin');
        const check = checkVin(typed, brandId);
        if (!check.ok) {
          const suggestedBrand = check.problem === 'wrong_brand' ? otherBrandOf(typed, state) : undefined;
          const problem = `domain:vinProblems.${check.problem}`;
          return show(ctx, state, { vin: typed }, { vin: problem }, { suggestedBrand });
        }
        vin = check.vin;
      }
      await deps.journeys.update(state.journey.uid, { vin });
      state.journey = { ...state.journey, vin };
      redirectToOpenStep(ctx);
    }),
  };
}
