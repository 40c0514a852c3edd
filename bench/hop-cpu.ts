/**
 * Process CPU of the runtime's own work per hop, without I/O: the dialog runtime on the in-process
 * KvStore (the same store contract as Redis), the caller's profile stubbed (no Postgres), no HTTP.
 * Stable where wall-clock figures are not (a shared machine): what sealing, keys, XState and the
 * runtime cost per hop kind. Usage: npx tsx bench/hop-cpu.ts [hops per kind = 20000]
 */
import type { DialogEffects } from '../src/dialogs/dialog-effects.js';
import type { DialogProfiles } from '../src/dialogs/dialog-profile.js';
import { createDialogRuntime } from '../src/dialogs/dialog-runtime.js';
import { createDialogStore } from '../src/dialogs/dialog-store.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { createMemoryKvStore } from '../src/store/memory-kv-store.js';

const N = Number(process.argv[2] ?? 20_000);
const kv = createMemoryKvStore();
const store = createDialogStore(kv, { pepper: 'p'.repeat(48), dialogTtlMs: 600_000 });
const profiles = {
  cachedInputFor: (phone: string, lang: 'fr' | 'en' | null) => ({ phone, lang, knowledgeCheck: null }),
  dialogInputFor: async (phone: string) => ({ phone, lang: 'fr' as const, knowledgeCheck: null }),
  knowledgeOnFile: async () => null,
} as unknown as DialogProfiles;
const runtime = createDialogRuntime({
  store,
  effects: {} as DialogEffects,
  profiles,
  metrics: createMetrics(),
  logger: createLogger('silent'),
  hopDeadlineMs: 5000,
});
const at = (phone: string, session: string) => ({
  provider: 'africastalking',
  providerSessionId: session,
  phone,
  receivedAt: new Date(),
});
const phoneOf = (kind: number, i: number) => `+2217${kind}${String(i).padStart(7, '0')}`;
const dial = (phone: string, session: string) =>
  runtime.hop(phone, { ...at(phone, session), newSession: true, input: null, hopId: '' });
const type = (phone: string, session: string, text: string) =>
  runtime.hop(phone, { ...at(phone, session), newSession: false, input: text, hopId: text });

async function measure(name: string, hop: (i: number) => Promise<unknown>, prepare?: (i: number) => Promise<unknown>) {
  if (prepare) for (let i = 0; i < N; i++) await prepare(i);
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) await hop(i);
  const t = process.cpuUsage(t0);
  console.log(`${name.padEnd(34)} ${((t.user + t.system) / N).toFixed(1).padStart(6)} µs CPU/hop`);
}

// Warm-up (JIT), on phones no kind uses (kinds 1-4 and 6-9).
for (let i = 0; i < 5000; i++) await dial(phoneOf(5, i), `w${i}`);
for (let round = 0; round < 2; round++) {
  const k = round * 5;
  await measure('first dial (profile stubbed, no PG)', (i) => dial(phoneOf(k + 1, i), `a${round}_${i}`));
  const redialed = (i: number) => phoneOf(k + 2, i),
    restored = (i: number) => phoneOf(k + 3, i),
    cached = (i: number) => phoneOf(k + 4, i);
  await measure(
    'first dial, language cached (dialog gone)',
    (i) => dial(cached(i), `d${round}_${i}`),
    async (i) => {
      await dial(cached(i), `q${round}_${i}`);
      await kv.delete(store.subscriber(cached(i)).dialogKey);
    },
  );
  await measure(
    'redial onto a live dialog',
    (i) => dial(redialed(i), `b${round}_${i}`),
    (i) => dial(redialed(i), `p${round}_${i}`),
  );
  await measure(
    'restore-and-transition (invalid 9)',
    (i) => type(restored(i), `c${round}_${i}`, '9'),
    (i) => dial(restored(i), `c${round}_${i}`),
  );
  await measure('retry answered from stored reply', (i) => type(restored(i), `c${round}_${i}`, '9'));
}
