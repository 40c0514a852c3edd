/**
 * What a new dialog starts with: the caller's language (profile, else the
 * country's usual language, else ask) and whether the country's policy asks a
 * knowledge question before a reset.
 */
import type { DialogInput, KnowledgeQuestion, Lang } from '../../machines/types.js';
import type { Queryable } from '../db/database.js';
import { isLang, languageOfCountry } from '../i18n/languages.js';
import { findDialogProfile, type DialogProfileRow } from '../queries/users.queries.js';
import { phoneCountry } from '../services/identifiers.js';
import { knowledgeDigest } from './dialog-effects.js';

export function createDialogProfiles(
  db: Queryable,
  opts: { pepper: string; defaultCountry: string; knowledgePolicy: ReadonlyMap<string, KnowledgeQuestion> },
) {
  const find = (phone: string) => findDialogProfile(db, phone);

  const onFile = (row: DialogProfileRow | undefined, question: KnowledgeQuestion) => {
    if (!row) return null;
    if (question === 'birth_year')
      return row.birth_year === null ? null : knowledgeDigest(opts.pepper, String(row.birth_year));
    return row.national_id_last4_digest;
  };

  return {
    /**
     * A new dialog's input from a cached language, without Postgres; null when the
     * knowledge check must be decided from the profile (a country asks a question).
     */
    cachedInputFor(phone: string, lang: Lang | null): DialogInput | null {
      // The policy is read at start: with no question anywhere, nothing on file changes the dialog's start.
      return opts.knowledgePolicy.size === 0 ? { phone, lang, knowledgeCheck: null } : null;
    },
    async dialogInputFor(phone: string): Promise<DialogInput> {
      const row = await find(phone);
      const country = row?.country ?? phoneCountry(phone, opts.defaultCountry);
      const question = country ? (opts.knowledgePolicy.get(country) ?? null) : null;
      return {
        phone,
        lang: row && isLang(row.language) ? row.language : languageOfCountry(country),
        // Asked only when the policy wants it and there is an answer on file to compare with.
        knowledgeCheck: question && onFile(row, question) !== null ? question : null,
      };
    },
    knowledgeOnFile: async (phone: string, question: KnowledgeQuestion) => onFile(await find(phone), question),
  };
}

export type DialogProfiles = ReturnType<typeof createDialogProfiles>;
