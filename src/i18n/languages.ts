/** What the catalogs say about languages as a whole: defaults per country, the fallback, "not me" words. */
import { LANGS, type Lang } from '../../machines/types.js';
import { CATALOGS } from './catalogs/index.js';

export const isLang = (lang: unknown): lang is Lang => (LANGS as readonly unknown[]).includes(lang);

// A country listed by two catalogs would make the default depend on this order: a test refuses it.
const BY_COUNTRY = new Map(LANGS.flatMap((lang) => CATALOGS[lang].countries.map((c) => [c, lang] as const)));

/** The usual language of a country's service menus, or null (then the dialog asks). */
export const languageOfCountry = (country: string | null | undefined): Lang | null =>
  (country && BY_COUNTRY.get(country)) || null;

/** Any language we have no catalog for falls back to French, the majority language of Molam's markets. */
export const messageLang = (lang: string | null | undefined): Lang => (isLang(lang) ? lang : 'fr');

/** Every language's "not me" words, for the inbound SMS classifier: a reply is understood in any language. */
export const NOT_ME_WORDS: ReadonlySet<string> = new Set(LANGS.flatMap((lang) => CATALOGS[lang].notMeWords));
