import { LANGS } from '../../machines/types.js';
import type { DialogError, Lang, Screen, ScreenId } from '../../machines/types.js';
import { en } from './ussd-screens.en.js';
import { fr } from './ussd-screens.fr.js';

/** A 160-octet USSD payload packed as GSM 7-bit holds 182 characters. */
export const USSD_MAX_CHARS = 182;

/** One language's USSD texts. Templates use {placeholders} filled from screen params. */
export interface UssdCatalog {
  /** Native name, listed on the language screen. */
  languageName: string;
  /** Label of the `98` option on a paged screen. */
  more: string;
  units: { s: string; min: string; h: string };
  screens: Record<ScreenId, string>;
  /** One-line prefixes shown above a screen that is asked again. */
  errors: Record<DialogError, string>;
}

/** Adding a language: its catalog file, one line here, and its code in LANGS (machines/types.ts). */
export const USSD_CATALOGS: Record<Lang, UssdCatalog> = { fr, en };

/** Short wait for a screen: "45 s", "12 min", "3 h" (never longer than 7 characters). */
export function formatWait(seconds: number, units: UssdCatalog['units']): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 120) return `${s} ${units.s}`;
  const min = Math.ceil(s / 60);
  if (min < 120) return `${min} ${units.min}`;
  return `${Math.min(999, Math.ceil(min / 60))} ${units.h}`;
}

// Counts come from the service (5 tries); two digits bound every screen's length.
const formatCount = (n: number) => String(Math.max(0, Math.min(99, Math.trunc(n))));

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

/** A renderer over any catalogs, listed on the language screen in `order` (tests pass their own). */
export function createUssdRenderer<L extends string>(catalogs: Record<L, UssdCatalog>, order: readonly L[]) {
  const languages = order.map((lang, i) => `${i + 1}. ${catalogs[lang].languageName}`).join('\n');

  const fill = (template: string, params: Screen['params'], catalog: UssdCatalog) =>
    template.replace(/\{(\w+)\}/g, (_, name: string) => {
      if (name === 'languages') return languages;
      const value = params[name === 'wait' ? 'retryAfterSeconds' : name];
      if (typeof value !== 'number') return '?';
      return name === 'wait' ? formatWait(value, catalog.units) : formatCount(value);
    });

  /** The whole text of a screen, before paging. */
  const compose = (screen: Screen, lang: L): string => {
    const catalog = catalogs[lang];
    const error = screen.params.error as DialogError | undefined;
    const prefix = error && catalog.errors[error] ? `${fill(catalog.errors[error], screen.params, catalog)}\n` : '';
    return prefix + fill(catalog.screens[screen.id], screen.params, catalog);
  };

  /** The text sent to the telco: at most USSD_MAX_CHARS, paged with 98 when longer. */
  const render = (screen: Screen, lang: L): string =>
    paginate(compose(screen, lang), Number(screen.params.page ?? 0), catalogs[lang].more);

  return { compose, render };
}

const renderer = createUssdRenderer(USSD_CATALOGS, LANGS);
export const composeUssdText = renderer.compose;
export const renderUssdScreen = renderer.render;
