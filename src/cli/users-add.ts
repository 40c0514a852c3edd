/** npm run users:add -- --phone +221770000001 [--email a@b.sn] [--lang fr] [--country SN] [--birth-year 1990] */
import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import { loadDatabaseConfig } from '../config.js';
import { runMigrations } from '../db/migrations.js';
import { dataDirHolder, holdDataDir } from '../dev/data-dir-lock.js';
import { createUserQueries, setBirthYear } from '../queries/users.queries.js';
import { normalizePhone } from '../services/identifiers.js';
import { openConfiguredDatabase } from './open-database.js';

dotenv.config({ quiet: true });
const { values } = parseArgs({
  options: {
    phone: { type: 'string' },
    email: { type: 'string' },
    lang: { type: 'string' },
    country: { type: 'string' },
    'birth-year': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const config = loadDatabaseConfig(process.env);

const USAGE =
  'usage: npm run users:add -- --phone +221770000001 [--email a@example.sn] [--lang fr|en] [--country SN] [--birth-year 1990]\n';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(2);
}

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!values.phone && !values.email) fail('give --phone or --email');
const phone = values.phone ? normalizePhone(values.phone, values.country ?? config.defaultCountry) : undefined;
if (values.phone && !phone) fail(`not a valid phone number: ${values.phone}`);
const email = values.email?.trim().toLowerCase();
if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) fail(`not a valid email: ${values.email}`);
const language = values.lang ?? 'fr';
if (!/^[a-z]{2,3}$/.test(language)) fail(`--lang is a 2-3 letter code, e.g. fr, en, wo`);
// The answer a USSD knowledge check (USSD_KNOWLEDGE_CHECK=XX:birth_year) compares against.
const birthYear = values['birth-year'] === undefined ? undefined : Number(values['birth-year']);
if (birthYear !== undefined && !(Number.isInteger(birthYear) && birthYear >= 1900 && birthYear <= 2100))
  fail('--birth-year is a year such as 1990');

// An embedded database is one process's: written beside a running dev server, the user would be lost.
const pgliteDir = config.databaseUrl ? undefined : config.pgliteDataDir;
const holder = pgliteDir && dataDirHolder(pgliteDir);
if (holder) {
  process.stderr.write(
    `users:add: PGLITE_DATA_DIR ${pgliteDir} is open in a running dev server (process ${holder}); a user added now would be lost.\n` +
      'Stop npm run dev (Ctrl-C), run users:add again, then start npm run dev.\n',
  );
  process.exit(1);
}
const db = await openConfiguredDatabase(config);
if (pgliteDir) holdDataDir(pgliteDir);
try {
  await runMigrations(db);
  const user = await createUserQueries(db).upsertUser({
    phone: phone?.e164,
    email,
    language,
    country: values.country?.toUpperCase() ?? phone?.country,
  });
  if (birthYear !== undefined) await setBirthYear(db, user.id, birthYear);
  process.stdout.write(
    `${JSON.stringify({ id: user.id, phone: user.phone_e164, email: user.email, language: user.language, country: user.country })}\n`,
  );
} finally {
  await db.close();
}
