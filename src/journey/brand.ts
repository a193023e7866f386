// Step 3 — brand selection: the brands enabled for the app; those not offered in the owner's country are
// shown disabled with the reason (BMW and MINI: the 29 markets where their owners may grant third-party
// access). Skipped when the app passed an enabled `brand` parameter that is offered in the owner's country.
import type { Context } from 'koa';
import { countryOptions } from '../domain/countries.ts';
import { findBrand, isBrandId, isOfferedIn } from '../domain/vehicles/brands.ts';
import type { Locale } from '../i18n/index.ts';
import type { JourneysRepository } from '../storage/journeys.ts';
import type { JourneyState } from './context.ts';
import { field, guarded, redirectToOpenStep, renderStep } from './page.ts';

function countryName(code: string | null, locale: Locale): string {
  return countryOptions(locale).find((option) => option.code === code)?.name ?? code ?? '';
}

function brandChoices(state: JourneyState) {
  const country = state.journey.country ?? '';
  return state.app.brands.flatMap((id) => {
    const brand = findBrand(id);
    if (!brand) return [];
    const available = isOfferedIn(brand, country);
    return [
      {
        id: brand.id,
        name: brand.name,
        available,
        reason: available ? undefined : 'journey:brand.unavailable_in_country',
      },
    ];
  });
}

function show(
  ctx: Context,
  state: JourneyState,
  form: { brand?: string },
  errors: Record<string, string> = {},
) {
  renderStep(
    ctx,
    'brand',
    {
      brands: brandChoices(state),
      countryName: countryName(state.journey.country, ctx.state.locale),
      form,
      errors,
    },
    Object.keys(errors).length > 0 ? 400 : 200,
  );
}

export function brandStep(deps: { journeys: JourneysRepository }) {
  return {
    show: guarded('brand', async (ctx, state) =>
      show(ctx, state, { brand: state.journey.brand ?? undefined }),
    ),
    submit: guarded('brand', async (ctx, state) => {
      const chosen = field(ctx, 'brand') ?? '';
      const choice = brandChoices(state).find((brand) => brand.id === chosen);
      if (!isBrandId(chosen) || !choice)
        return show(ctx, state, {}, { brand: 'journey:errors.brand_invalid' });
      if (!choice.available)
        return show(ctx, state, { brand: chosen }, { brand: 'journey:errors.brand_unavailable' });
      if (chosen !== state.journey.brand) {
        await deps.journeys.update(state.journey.uid, { brand: chosen, vin: null });
        state.journey = { ...state.journey, brand: chosen, vin: null };
      }
      redirectToOpenStep(ctx);
    }),
  };
}
