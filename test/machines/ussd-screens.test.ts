/**
 * USSD screens: every state of the root dialog, rendered in every language with
 * worst-case values, fits one 182-character USSD page. Pure: catalogs and machine only.
 */
import { describe, expect, it } from 'vitest';
import { describeScreen } from '../../machines/screen.js';
import { LANGS, type DialogInput, type Lang, type Screen } from '../../machines/types.js';
import type { UssdTexts } from '../../src/i18n/catalog.js';
import {
  USSD_CATALOGS,
  USSD_MAX_CHARS,
  composeUssdText,
  createUssdRenderer,
  formatWait,
  paginate,
  renderUssdScreen,
} from '../../src/i18n/render-ussd-screen.js';
import { everyRendering, SCREEN_IDS, screenLengthTable, worstCases } from '../support/ussd-screen-lengths.js';
import { createDialogModel, startDialog } from './dialog-harness.js';

// GSM 03.38 basic set minus accents: one character outside it halves a screen (UCS-2).
const GSM7_PLAIN = /^[A-Za-z0-9 \n.,:;!?'"()\-+*#%&/=<>@$_]*$/;

const INPUTS: DialogInput[] = [
  { phone: '+221770000000', lang: null, knowledgeCheck: 'birth_year' },
  { phone: '+221770000000', lang: 'fr', knowledgeCheck: 'id_last4' },
  { phone: '+221770000000', lang: 'en', knowledgeCheck: null },
  { phone: '+254700000000', lang: 'sw', knowledgeCheck: 'id_last4' },
];

describe('USSD screens', () => {
  const states = INPUTS.flatMap((input) =>
    Object.values(createDialogModel(input).getAdjacencyMap()).map((v) => v.state),
  );
  const screens = states.map(describeScreen);

  it('gives every reachable state a screen that every catalog translates', () => {
    expect(states.length).toBeGreaterThan(500);
    for (const state of states) expect(Object.values(state.getMeta()), JSON.stringify(state.value)).not.toEqual([]);
    const shown = new Set(screens.map((s) => s.id));
    expect(SCREEN_IDS.filter((id) => !shown.has(id))).toEqual([]); // no dead catalog entry
  });

  it.each(LANGS)('renders every state in %s within 182 characters without paging', (lang) => {
    for (const screen of screens.flatMap(worstCases)) {
      const text = composeUssdText(screen, lang);
      expect(text.length, `${screen.id}/${screen.params.error ?? ''}: ${text}`).toBeLessThanOrEqual(USSD_MAX_CHARS);
      expect(text).not.toMatch(/[{}?]/); // every placeholder was filled
      expect(renderUssdScreen(screen, lang)).toBe(text);
    }
  });

  it.each(LANGS)('fits any reason prefix above any screen in %s', (lang) => {
    for (const id of SCREEN_IDS) {
      for (const text of everyRendering(id, lang)) {
        expect(text.length, `${id}: ${text}`).toBeLessThanOrEqual(USSD_MAX_CHARS);
      }
    }
  });

  it("prints every screen's worst-case length per language", () => {
    const table = screenLengthTable();
    expect(table.split('\n')).toHaveLength(2 + SCREEN_IDS.length + 4);
    console.log(table);
  });

  it('has the same keys and placeholders in every language', () => {
    const shape = (catalog: UssdTexts) =>
      Object.fromEntries(
        [...Object.entries(catalog.screens), ...Object.entries(catalog.errors)].map(([key, text]) => [
          key,
          [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort(),
        ]),
      );
    for (const lang of LANGS) expect(shape(USSD_CATALOGS[lang])).toEqual(shape(USSD_CATALOGS.en));
    expect(Object.keys(USSD_CATALOGS).sort()).toEqual([...LANGS].sort());
  });

  it('uses plain GSM-7 text (no accents, no emoji) in every catalog', () => {
    for (const lang of LANGS) {
      const { screens, errors, ...rest } = USSD_CATALOGS[lang];
      const { languageName, more, triesLeft, units } = rest;
      const words = [languageName, more, triesLeft.one, triesLeft.other, ...Object.values(units)];
      for (const text of [...Object.values(screens), ...Object.values(errors), ...words]) {
        expect(text.replace(/\{\w+\}/g, ''), `${lang}: ${text}`).toMatch(GSM7_PLAIN);
      }
    }
  });

  const waits = (lang: Lang) => [1, 119, 120, 7_140, 7_200, 1e9].map((s) => formatWait(s, USSD_CATALOGS[lang].units));

  it.each(LANGS)('formats waits in at most 7 characters in %s', (lang) => {
    for (const wait of waits(lang)) expect(wait.length, wait).toBeLessThanOrEqual(7);
  });

  it('writes a wait the way each language says it: "2 min", "dak 2"', () => {
    expect(waits('en')).toEqual(['1 s', '119 s', '2 min', '119 min', '2 h', '999 h']);
    expect(waits('sw')).toEqual(['sek 1', 'sek 119', 'dak 2', 'dak 119', 'saa 2', 'saa 999']);
  });

  it('says "1 try left" but "2 tries left", and "1 essai restant" for 0 and 1 in French', () => {
    const wrongCode = (attemptsLeft: number, lang: Lang) =>
      composeUssdText(
        { id: 'enter_code', params: { page: 0, error: 'code_wrong', attemptsLeft }, end: false },
        lang,
      ).split('\n')[0];
    expect([0, 1, 2].map((n) => wrongCode(n, 'en'))).toEqual([
      'Wrong code. 0 tries left.',
      'Wrong code. 1 try left.',
      'Wrong code. 2 tries left.',
    ]);
    expect([0, 1, 2].map((n) => wrongCode(n, 'fr'))).toEqual([
      'Code incorrect, 0 essai restant.',
      'Code incorrect, 1 essai restant.',
      'Code incorrect, 2 essais restants.',
    ]);
    expect([1, 2].map((n) => wrongCode(n, 'sw'))).toEqual([
      'Msimbo si sahihi, jaribio 1 limebaki.',
      'Msimbo si sahihi, majaribio 2 yamebaki.',
    ]);
  });
});

describe('USSD paging (98)', () => {
  // A catalog set built to overflow: 14 languages on the language screen, a verbose menu.
  const wordy = (n: number): UssdTexts => ({
    ...USSD_CATALOGS.en,
    languageName: `Language number ${n}`,
    screens: {
      ...USSD_CATALOGS.en.screens,
      menu: `Molam ID\n1. Reset the PIN of your mobile money account, the one you type at agents, in shops and on your phone\n2. Reset the password of your Molam ID account, the one you use in the app and on the web`,
    },
  });
  // Renderer keys are BCP 47 tags (they pick plural rules): two-letter codes no catalog uses.
  const order = Array.from({ length: 14 }, (_, i) => `x${'abcdefghijklmn'[i]}`);
  const wordyRenderer = createUssdRenderer(Object.fromEntries(order.map((l, i) => [l, wordy(i + 1)])), order);

  it('splits an overlong screen into pages of at most 182 characters that end with 98', () => {
    const screen = (page: number): Screen => ({ id: 'language', params: { page }, end: false });
    const full = wordyRenderer.compose(screen(0), 'xa');
    expect(full.length).toBeGreaterThan(USSD_MAX_CHARS);
    const pages = [wordyRenderer.render(screen(0), 'xa')];
    // 98 past the last page wraps around to the first.
    while (wordyRenderer.render(screen(pages.length), 'xa') !== pages[0])
      pages.push(wordyRenderer.render(screen(pages.length), 'xa'));
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(USSD_MAX_CHARS);
    for (const page of pages.slice(0, -1)) expect(page).toMatch(/\n98\. More$/);
    expect(pages.at(-1)).not.toMatch(/98\. More/);
    expect(pages.map((page) => page.replace(/\n98\. More$/, '')).join('\n')).toBe(full);
  });

  it('pages the menu on 98 and still takes a choice from the second page', async () => {
    const dialog = startDialog({ startReset: [{ outcome: 'rate_limited', retryAfterSeconds: 600 }] });
    const first = dialog.screen();
    expect(wordyRenderer.render(first, 'xa')).toMatch(/98\. More$/);
    const second = await dialog.type('98');
    expect(second).toMatchObject({ id: 'menu', params: { page: 1 } });
    expect(wordyRenderer.render(second, 'xa')).toMatch(/^2\. Reset the password/);
    expect(await dialog.type('2')).toMatchObject({ id: 'rate_limited', params: { page: 0, retryAfterSeconds: 600 } });
  });

  it('pages the language screen on 98 in the real dialog', async () => {
    const dialog = startDialog({}, { lang: null });
    expect(await dialog.type('98')).toMatchObject({ id: 'language', params: { page: 1 } });
    expect(renderUssdScreen(dialog.screen(), 'fr')).toBe('Molam ID\n1. Francais\n2. English\n3. Kiswahili'); // one page
    expect(await dialog.type('1')).toMatchObject({ id: 'menu', params: { page: 0 } });
    expect(dialog.actor.getSnapshot().context.lang).toBe<Lang>('fr');
  });

  it('never pages a text that fits', () => {
    expect(paginate('x'.repeat(182), 3, 'More')).toBe('x'.repeat(182));
  });
});
