// The display name and the header monogram of the maker portal a provider (or a brand within it, e.g. MINI
// under bmw) plays. A brand with its own portal name wears its own mark; any other wears its provider's.
import type { Translate } from '../../i18n/index.ts';

export function makerName(t: Translate, provider: string, brand?: string): string {
  const byProvider = t(`simulator:makers.${provider.toLowerCase()}`, { defaultValue: provider });
  if (!brand) return byProvider;
  return t(`simulator:makers.${brand.toLowerCase()}`, { defaultValue: byProvider });
}

/** A portal's mark: `id` picks its shape and colours in the stylesheet, `monogram` is the brand's letters. */
export interface MakerMark {
  id: string;
  monogram: string;
}

// Simple monograms drawn in CSS, no maker's real logo: brand letters are names, not translated text.
const marks = new Map<string, MakerMark>([
  ['bmw', { id: 'bmw', monogram: 'BMW' }],
  ['mini', { id: 'mini', monogram: 'MINI' }],
  ['mercedes-benz', { id: 'mercedes-benz', monogram: 'me' }],
  ['mercedes', { id: 'mercedes-benz', monogram: 'me' }],
  ['stellantis', { id: 'stellantis', monogram: 'S' }],
]);

/** The portal's mark, by the same brand-then-provider rule as its name; undefined for an unknown maker. */
export function makerMark(provider: string, brand?: string): MakerMark | undefined {
  return (brand && marks.get(brand.toLowerCase())) || marks.get(provider.toLowerCase());
}
