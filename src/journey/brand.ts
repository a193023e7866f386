// Step 3 — brand selection: the brands enabled for the app; those not offered in the owner's country are
// shown disabled with the reason (BMW and MINI: the 29 markets where their owners may grant third-party
// access). Skipped when the app passed an enabled `brand` parameter that is offered in the owner's country.
// The owner may change the journey's country here (POST brand/country); where no brand is offered, the page
// offers only that and Cancel, never a Continue that cannot succeed.
import type { Context } from 'koa';
import { countryOptions, isCountryCode } from '../domain/countries.ts';
import { findBrand, isBrandId, isOfferedIn } from '../domain/vehicles/brands.ts';
import type { Locale } from '../i18n/index.ts';
import type { JourneysRepository } from '../storage/journeys.ts';
import { countryOptionsHtml } from './account.ts';
import type { JourneyState } from './context.ts';
import { field, guarded, redirectTo, redirectToOpenStep, renderStep } from './page.ts';
import { stepPath } from './steps.ts';

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
  form: { brand?: string; country?: string },
  errors: Record<string, string> = {},
) {
  const brands = brandChoices(state);
  const locale = ctx.state.locale as Locale;
  renderStep(
    ctx,
    'brand',
    {
      brands,
      anyAvailable: brands.some((brand) => brand.available),
      countryName: countryName(state.journey.country, locale),
      countryAction: `${stepPath(state.interaction.uid, 'brand')}/country`,
      countryOptions: countryOptionsHtml(locale, form.country ?? state.journey.country ?? undefined),
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
    /** Changes the journey's country; a chosen brand not offered in the new one is dropped with its VIN. */
    changeCountry: guarded('brand', async (ctx, state) => {
      const country = (field(ctx, 'country') ?? '').toUpperCase();
      if (!isCountryCode(country)) return show(ctx, state, {}, { country: 'journey:errors.country_invalid' });
      const chosen = state.journey.brand ? findBrand(state.journey.brand) : undefined;
      const dropBrand = chosen !== undefined && !isOfferedIn(chosen, country);
      const changes = dropBrand ? { country, brand: null, vin: null } : { country };
      await deps.journeys.update(state.journey.uid, changes);
      state.journey = { ...state.journey, ...changes };
      redirectTo(ctx, 'brand');
    }),
  };
}
