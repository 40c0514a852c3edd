/**
 * Every place a reset kind must appear, checked for a list of kinds. The
 * compiler already refuses a kind missing from a Record<ResetKind, …> table;
 * this finds what it cannot see: SQL CHECK constraints and columns, menu
 * choices that collide, a dialog that never reaches the kind's flow, texts
 * a catalog renders as blanks. A test passes a fake extra kind to show that
 * each gap is reported.
 */
import { createActor } from 'xstate';
import { DIALOG_KINDS } from '../../machines/reset-kinds.js';
import type { ResetKind } from '../../machines/types.js';
import { LANGS } from '../../machines/types.js';
import { ussdDialogMachine } from '../../machines/ussd-dialog.machine.js';
import type { Queryable } from '../../src/db/database.js';
import { codeAcceptedSms, otpEmail, otpSms, resetDoneEmail, resetDoneSms } from '../../src/i18n/messages.js';
import { composeUssdText } from '../../src/i18n/render-ussd-screen.js';
import { RESET_KIND_SPECS } from '../../src/reset-kinds.js';

/** A kind as a test may name it: a real one, or one the tables do not know. */
type AnyKind = string;
const known = <T>(table: Record<ResetKind, T>, kind: AnyKind): T | undefined =>
  (table as Record<string, T | undefined>)[kind];

/** Kinds allowed by each `kind IN (...)` CHECK constraint, per table. */
async function kindChecks(db: Queryable): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ table: string; def: string }>(
    `SELECT conrelid::regclass::text AS table, pg_get_constraintdef(oid) AS def
     FROM pg_constraint WHERE contype = 'c' AND pg_get_constraintdef(oid) LIKE '%kind%'`,
  );
  return new Map(rows.map((r) => [r.table, [...r.def.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!)]));
}

async function userColumns(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'molam_users'`,
  );
  return new Set(rows.map((r) => r.column_name));
}

/** The kind the dialog's flow records on entry after `choice` on the menu (read before any effect settles). */
function kindChosenOnMenu(choice: string): string | null {
  const actor = createActor(ussdDialogMachine, {
    input: { phone: '+221770000000', lang: LANGS[0], knowledgeCheck: null },
  }).start();
  actor.send({ type: 'INPUT', text: choice });
  const kind = actor.getSnapshot().context.kind;
  actor.stop();
  return kind;
}

/** A text the catalogs cannot give for an unknown kind: missing, throwing, or with a hole in it. */
const blank = (text: () => string | undefined) => {
  try {
    const t = text();
    return !t || /undefined|\{\w+\}/.test(t);
  } catch {
    return true;
  }
};

/** Human-readable gaps, one per missing place; [] when every kind is everywhere. */
export async function resetKindGaps(kinds: readonly AnyKind[], db: Queryable): Promise<string[]> {
  const gaps: string[] = [];
  const checks = await kindChecks(db);
  const columns = await userColumns(db);
  const choices = new Map<string, AnyKind>();
  for (const kind of kinds) {
    const spec = known(RESET_KIND_SPECS, kind);
    if (!spec) gaps.push(`${kind}: no entry in RESET_KIND_SPECS (src/reset-kinds.ts)`);
    else if (!columns.has(spec.credentialColumn))
      gaps.push(`${kind}: molam_users has no column ${spec.credentialColumn}`);
    for (const [table, allowed] of checks) {
      if (!allowed.includes(kind)) gaps.push(`${kind}: CHECK constraint on ${table} does not allow it (sql/)`);
    }
    const dialog = known(DIALOG_KINDS, kind);
    if (!dialog) {
      gaps.push(`${kind}: no entry in DIALOG_KINDS (machines/reset-kinds.ts)`);
    } else {
      if (choices.has(dialog.menuChoice))
        gaps.push(`${kind}: menu choice ${dialog.menuChoice} is also ${choices.get(dialog.menuChoice)}'s`);
      choices.set(dialog.menuChoice, kind);
      if (kindChosenOnMenu(dialog.menuChoice) !== kind)
        gaps.push(`${kind}: menu choice ${dialog.menuChoice} does not open its flow`);
    }
    for (const lang of LANGS) {
      const menu = composeUssdText({ id: 'menu', params: { page: 0 }, end: false }, lang);
      if (dialog && !menu.split('\n').some((line) => line.startsWith(`${dialog.menuChoice}. `))) {
        gaps.push(`${kind}: the ${lang} menu screen lists no option ${dialog.menuChoice}`);
      }
      for (const step of ['new', 'confirm', 'done'] as const) {
        if (blank(() => composeUssdText({ id: `${step}_${kind}` as never, params: { page: 0 }, end: false }, lang)))
          gaps.push(`${kind}: no ${step}_${kind} screen in the ${lang} catalog`);
      }
      const k = kind as ResetKind;
      const texts = [
        () => otpSms(lang, k, { otp: '123456', ttl: '10', domain: 'id.molam.sn' }),
        () => otpEmail(lang, k, { otp: '123456', ttl: '10' }).body,
        () => resetDoneSms(lang, k),
        () => resetDoneEmail(lang, k).body,
        () => codeAcceptedSms(lang, k, { ussdCode: '*384*1#' }),
      ];
      if (texts.some(blank)) gaps.push(`${kind}: SMS or email texts missing in the ${lang} catalog`);
    }
  }
  return gaps;
}
