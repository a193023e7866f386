// Country codes for the account form: every officially assigned ISO 3166-1 alpha-2 code (249),
// with names localized by the runtime's CLDR data through Intl.DisplayNames.

// Grouped by first letter; split once at load.
export const countryCodes: readonly string[] = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ ' +
  'BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ ' +
  'DE DJ DK DM DO DZ ' +
  'EC EE EG EH ER ES ET ' +
  'FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY ' +
  'HK HM HN HR HT HU ' +
  'ID IE IL IM IN IO IQ IR IS IT ' +
  'JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ ' +
  'LA LB LC LI LK LR LS LT LU LV LY ' +
  'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ ' +
  'NA NC NE NF NG NI NL NO NP NR NU NZ ' +
  'OM ' +
  'PA PE PF PG PH PK PL PM PN PR PS PT PW PY ' +
  'QA ' +
  'RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ ' +
  'TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ ' +
  'UA UG UM US UY UZ ' +
  'VA VC VE VG VI VN VU ' +
  'WF WS ' +
  'YE YT ' +
  'ZA ZM ZW'
).split(' ');

const assigned = new Set(countryCodes);

/** Exactly an assigned code in uppercase; 'de', 'DEU' and user-assigned codes such as 'XK' are refused. */
export function isCountryCode(value: unknown): value is string {
  return typeof value === 'string' && assigned.has(value);
}

export type CountryLocale = 'en' | 'de';

export interface CountryOption {
  readonly code: string;
  readonly name: string;
}

const optionsByLocale = new Map<CountryLocale, readonly CountryOption[]>();

/** All countries with their names in `locale`, sorted for that locale; computed once per locale. */
export function countryOptions(locale: CountryLocale): readonly CountryOption[] {
  let options = optionsByLocale.get(locale);
  if (!options) {
    const names = new Intl.DisplayNames(locale, { type: 'region' });
    const collator = new Intl.Collator(locale);
    options = Object.freeze(
      countryCodes
        .map((code) => Object.freeze({ code, name: names.of(code) ?? code }))
        .sort((a, b) => collator.compare(a.name, b.name)),
    );
    optionsByLocale.set(locale, options);
  }
  return options;
}
