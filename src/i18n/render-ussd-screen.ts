import { LANGS } from '../../machines/types.js';
import type { DialogError, Lang, Screen } from '../../machines/types.js';
import type { Plural, UssdTexts } from './catalog.js';
import { CATALOGS } from './catalogs/index.js';

/** A 160-octet USSD payload packed as GSM 7-bit holds 182 characters. */
export const USSD_MAX_CHARS = 182;

/** Each language's USSD texts, by code. */
export const USSD_CATALOGS = Object.fromEntries(LANGS.map((lang) => [lang, CATALOGS[lang].ussd])) as Record<
  Lang,
  UssdTexts
>;

/** Short wait for a screen: "45 s", "12 min", "3 h" (never longer than 7 characters). */
export function formatWait(seconds: number, units: UssdTexts['units']): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 120) return units.s.replace('{n}', String(s));
  const min = Math.ceil(s / 60);
  if (min < 120) return units.min.replace('{n}', String(min));
  return units.h.replace('{n}', String(Math.min(999, Math.ceil(min / 60))));
}

// Counts come from the service (5 tries); two digits bound every screen's length.
const clampCount = (n: number) => Math.max(0, Math.min(99, Math.trunc(n)));

const chunk = (line: string, size: number): string[] =>
  line.length <= size ? [line] : [line.slice(0, size), ...chunk(line.slice(size), size)];

/** Page `page` of `text` (wrapping around); every page but the last ends with "98. <more>". */
export function paginate(text: string, page: number, more: string, max = USSD_MAX_CHARS): string {
  if (text.length <= max) return text;
  const footer = `\n98. ${more}`;
  const budget = max - footer.length;
  const pages: string[] = [];
  let current = '';
  for (const line of text.split('\n').flatMap((l) => chunk(l, budget))) {
    const joined = current === '' ? line : `${current}\n${line}`;
    if (joined.length > budget && current !== '') {
      pages.push(current);
      current = line;
    } else {
      current = joined;
    }
  }
  pages.push(current);
  const index = Math.max(0, Math.trunc(page)) % pages.length;
  return index === pages.length - 1 ? pages[index]! : `${pages[index]}${footer}`;
}

/**
 * A renderer over any catalogs, listed on the language screen in `order` (tests pass their own).
 * Catalog keys are BCP 47 language tags: they pick the plural rules of counts.
 */
export function createUssdRenderer<L extends string>(catalogs: Record<L, UssdTexts>, order: readonly L[]) {
  const languages = order.map((lang, i) => `${i + 1}. ${catalogs[lang].languageName}`).join('\n');
  const pluralRules = new Map(order.map((lang) => [lang, new Intl.PluralRules(lang)]));

  // Every count a screen shows is a number of tries left: "1 try left", "2 tries left".
  const tries = (plural: Plural, count: number, lang: L) =>
    (pluralRules.get(lang)!.select(count) === 'one' ? plural.one : plural.other).replace('{n}', String(count));

  const fill = (template: string, params: Screen['params'], lang: L) =>
    template.replace(/\{(\w+)\}/g, (_, name: string) => {
      if (name === 'languages') return languages;
      const value = params[name === 'wait' ? 'retryAfterSeconds' : name];
      if (typeof value !== 'number') return '?';
      const catalog = catalogs[lang];
      return name === 'wait' ? formatWait(value, catalog.units) : tries(catalog.triesLeft, clampCount(value), lang);
    });

  /** The whole text of a screen, before paging. */
  const compose = (screen: Screen, lang: L): string => {
    const catalog = catalogs[lang];
    const error = screen.params.error as DialogError | undefined;
    const prefix = error && catalog.errors[error] ? `${fill(catalog.errors[error], screen.params, lang)}\n` : '';
    return prefix + fill(catalog.screens[screen.id], screen.params, lang);
  };

  /** The text sent to the telco: at most USSD_MAX_CHARS, paged with 98 when longer. */
  const render = (screen: Screen, lang: L): string =>
    paginate(compose(screen, lang), Number(screen.params.page ?? 0), catalogs[lang].more);

  return { compose, render };
}

const renderer = createUssdRenderer(USSD_CATALOGS, LANGS);
export const composeUssdText = renderer.compose;
export const renderUssdScreen = renderer.render;
