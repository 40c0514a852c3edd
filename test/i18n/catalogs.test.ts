/**
 * The language catalogs as a whole: one registry entry per language, every
 * country default given once, no user text that says "secret", "not me" words
 * that the classifier reads back, and a missing text refused by the compiler.
 * Pure: catalogs only.
 */
import { describe, expect, it } from 'vitest';
import { classifyReply } from '../../gateways/sms/inbound-sms.js';
import { LANGS, RESET_KINDS } from '../../machines/types.js';
import { languageOfPhone, politeEnd } from '../../src/dialogs/polite-end.js';
import { POLITE_ENDS, type Catalog } from '../../src/i18n/catalog.js';
import { CATALOGS } from '../../src/i18n/catalogs/index.js';
import { en } from '../../src/i18n/catalogs/en.js';
import { languageOfCountry, messageLang, NOT_ME_WORDS } from '../../src/i18n/languages.js';
import { isGsm7 } from '../support/gsm7.js';

/** Every string a catalog holds, with its path ("sw.ussd.screens.menu"). */
const texts = (value: unknown, path: string): [string, string][] =>
  typeof value === 'string'
    ? [[path, value]]
    : Object.entries(value as object).flatMap(([key, v]) => texts(v, `${path}.${key}`));

describe('language catalogs', () => {
  it('has one catalog per language of LANGS', () => {
    expect(Object.keys(CATALOGS).sort()).toEqual([...LANGS].sort());
  });

  it('lists each country in at most one catalog', () => {
    const countries = LANGS.flatMap((lang) => CATALOGS[lang].countries);
    expect(countries.filter((c, i) => countries.indexOf(c) !== i)).toEqual([]);
    for (const c of countries) expect(c).toMatch(/^[A-Z]{2}$/);
  });

  it('defaults Kenya and Tanzania to Swahili, Senegal to French, Ghana to English, others to asking', () => {
    expect(['KE', 'TZ', 'SN', 'CI', 'GH', 'NG', 'ET', null].map(languageOfCountry)).toEqual([
      'sw',
      'sw',
      'fr',
      'fr',
      'en',
      'en',
      null,
      null,
    ]);
    expect(['+254711000111', '+255754000111', '+221770000000'].map(languageOfPhone)).toEqual(['sw', 'sw', 'fr']);
    expect(['sw', 'en', 'wo', ''].map(messageLang)).toEqual(['sw', 'en', 'fr', 'fr']);
  });

  it('never says "secret" to a user', () => {
    const all = LANGS.flatMap((lang) => texts(CATALOGS[lang], lang));
    expect(all.filter(([, text]) => /secret/i.test(text))).toEqual([]);
  });

  it('keeps USSD and SMS texts GSM-7 and polite END screens within one USSD page', () => {
    for (const lang of LANGS) {
      const { ussd, politeEnd: ends, sms } = CATALOGS[lang];
      for (const [path, text] of texts({ ussd, ends, sms }, lang)) expect(isGsm7(text), path).toBe(true);
      for (const why of POLITE_ENDS) expect(politeEnd(why, lang).text.length).toBeLessThanOrEqual(182);
    }
  });

  it('understands the "not me" word each language tells the user to send back', () => {
    for (const lang of LANGS) {
      const { notMeWords, sms } = CATALOGS[lang];
      for (const word of notMeWords) expect(classifyReply(word.toLowerCase(), NOT_ME_WORDS), word).toBe('not_me');
      for (const kind of RESET_KINDS) {
        const named = notMeWords.some((word) => new RegExp(`\\b${word}\\b`).test(sms.resetDone[kind]));
        expect(named, `${lang} ${kind}: ${sms.resetDone[kind]}`).toBe(true);
      }
    }
  });

  it('refuses, at compile time, a catalog with a missing text', () => {
    const { email: _email, ...withoutEmail } = en;
    const { done_password: _done, ...screens } = en.ussd.screens;
    // @ts-expect-error email is missing
    const noEmail: Catalog = withoutEmail;
    // @ts-expect-error a screen is missing
    const noScreen: Catalog = { ...en, ussd: { ...en.ussd, screens } };
    expect([noEmail, noScreen]).toHaveLength(2);
  });
});
