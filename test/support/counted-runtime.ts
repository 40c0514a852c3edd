/**
 * A dialog runtime on a started service's real Postgres and Redis whose profile lookups
 * and KvStore calls are counted (issue 12: how many round trips a hop costs). The counting
 * wrappers pass every call through unchanged.
 */
import { randomUUID } from 'node:crypto';
import type { KnowledgeQuestion } from '../../machines/types.js';
import type { Queryable } from '../../src/db/database.js';
import type { DialogEffects } from '../../src/dialogs/dialog-effects.js';
import { createDialogProfiles } from '../../src/dialogs/dialog-profile.js';
import { createDialogRuntime } from '../../src/dialogs/dialog-runtime.js';
import { createDialogStore } from '../../src/dialogs/dialog-store.js';
import type { KvStore } from '../../src/store/kv-store.js';
import type { TestService } from './test-service.js';

export function countedRuntime(svc: TestService, knowledgePolicy: ReadonlyMap<string, KnowledgeQuestion> = new Map()) {
  const lookups = { count: 0 };
  const db: Queryable = {
    query: (text, params) => {
      lookups.count++;
      return svc.app.db.query(text, params);
    },
  };
  /** The KvStore methods called, in order. */
  const kvCalls: string[] = [];
  const kv = new Proxy(svc.app.kv, {
    get(target, name: keyof KvStore) {
      const value = target[name];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        kvCalls.push(name);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const { pepper } = svc.app.config;
  const store = createDialogStore(kv, { pepper, dialogTtlMs: 60_000 });
  const runtime = createDialogRuntime({
    store,
    profiles: createDialogProfiles(db, { pepper, defaultCountry: 'SN', knowledgePolicy }),
    // A dial runs no effect.
    effects: {} as DialogEffects,
    metrics: svc.app.metrics,
    logger: svc.app.logger,
    hopDeadlineMs: 5000,
  });
  /** A dial on a new Africa's Talking session (or on the given one: a retry). */
  const dial = (phone: string, sessionId = `ATUid_${randomUUID()}`) =>
    runtime.hop(phone, {
      provider: 'africastalking',
      providerSessionId: sessionId,
      phone,
      newSession: true,
      input: null,
      hopId: '',
      receivedAt: new Date(),
    });
  /** The next input on an Africa's Talking session (its cumulative path is the input alone: one input per session here). */
  const type = (phone: string, sessionId: string, text: string) =>
    runtime.hop(phone, {
      provider: 'africastalking',
      providerSessionId: sessionId,
      phone,
      newSession: false,
      input: text,
      hopId: text,
      receivedAt: new Date(),
    });
  /** The dialog expires; what BEGIN cached about the caller stays. */
  const forgetDialog = (phone: string) => svc.app.kv.delete(store.subscriber(phone).dialogKey);
  return { lookups, kvCalls, dial, type, forgetDialog, runtime, store };
}
