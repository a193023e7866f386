// The display name of the maker portal a provider (or a brand within it, e.g. MINI under bmw) plays.
import type { Translate } from '../../i18n/index.ts';

export function makerName(t: Translate, provider: string, brand?: string): string {
  const byProvider = t(`simulator:makers.${provider.toLowerCase()}`, { defaultValue: provider });
  if (!brand) return byProvider;
  return t(`simulator:makers.${brand.toLowerCase()}`, { defaultValue: byProvider });
}
