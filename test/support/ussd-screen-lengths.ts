/**
 * Worst-case length of every USSD screen per language: the longest of the screen
 * alone and under each reason prefix, with the longest placeholder values (counts
 * of 1 and 99, waits up to "119 min" / "999 h"). Pure: catalogs only.
 * `npx tsx test/support/ussd-screen-lengths.ts` prints the table as Markdown.
 */
import { pathToFileURL } from 'node:url';
import { LANGS, type DialogError, type Lang, type Screen, type ScreenId } from '../../machines/types.js';
import { POLITE_ENDS } from '../../src/i18n/catalog.js';
import { CATALOGS } from '../../src/i18n/catalogs/index.js';
import { USSD_CATALOGS, composeUssdText } from '../../src/i18n/render-ussd-screen.js';

export const SCREEN_IDS = Object.keys(USSD_CATALOGS.en.screens) as ScreenId[];
export const DIALOG_ERRORS = Object.keys(USSD_CATALOGS.en.errors) as DialogError[];

// Counts clamp at 2 digits (1 takes the singular form); waits render as "119 s", "119 min", "999 h".
const WORST_WAITS = [119, 7_140, 1e9];

/** The screen with each combination of longest placeholder values. */
export const worstCases = (screen: Screen): Screen[] =>
  WORST_WAITS.flatMap((retryAfterSeconds) =>
    [1, 99].map((count) => ({
      ...screen,
      params: { ...screen.params, attemptsLeft: count, answersLeft: count, mismatchesLeft: count, retryAfterSeconds },
    })),
  );

/** Every rendering of a screen id: alone and under each reason prefix, with worst-case values. */
export const everyRendering = (id: ScreenId, lang: Lang): string[] =>
  [undefined, ...DIALOG_ERRORS].flatMap((error) =>
    worstCases({ id, params: error ? { page: 0, error } : { page: 0 }, end: false }).map((screen) =>
      composeUssdText(screen, lang),
    ),
  );

export const worstLength = (id: ScreenId, lang: Lang): number =>
  Math.max(...everyRendering(id, lang).map((text) => text.length));

/** "| id | fr | en | sw |" rows: every dialog screen, then the runtime's own END screens (runtime_busy...). */
export function screenLengthTable(): string {
  const row = (id: string, length: (lang: Lang) => number) => `| ${id} | ${LANGS.map(length).join(' | ')} |`;
  return [
    `| id | ${LANGS.join(' | ')} |`,
    `|---|${LANGS.map(() => '---').join('|')}|`,
    ...SCREEN_IDS.map((id) => row(id, (lang) => worstLength(id, lang))),
    ...POLITE_ENDS.map((why) => row(`runtime_${why}`, (lang) => CATALOGS[lang].politeEnd[why].length)),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(screenLengthTable());
