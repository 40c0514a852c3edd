/** Redis bytes and process RSS with N live dialogs (N dials of N different phones). */
import type { Redis } from 'ioredis';
import { dials, maxLoad, phonePool, rssMb } from '../lib.js';
import { scanKeys } from '../setup.js';
import type { Target } from './hops.js';

const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);

/** `prefix` is the target's own Redis key prefix: keys that appear under it during the dials are the dialogs' cost. */
export async function liveDialogs(t: Target, redis: Redis, prefix: string, o: { from: number; dialogs: number }) {
  const before = new Set(await scanKeys(redis, `${prefix}*`));
  const usedBefore = await usedMemory(redis);
  const rssBefore = rssMb(t.pid);
  const load = await maxLoad(t.url, t.path, dials(phonePool(o.from, o.dialogs)), {
    connections: 32,
    seconds: 90,
    amount: o.dialogs,
  });
  const rssAfter = rssMb(t.pid);
  const usedAfter = await usedMemory(redis);
  const added = (await scanKeys(redis, `${prefix}*`)).filter((k) => !before.has(k));
  const pipe = redis.pipeline();
  for (const k of added) pipe.memory('USAGE', k, 'SAMPLES', '0');
  const sizes = ((await pipe.exec()) ?? []).map(([, v]) => Number(v));
  // Group by key kind: `dialog:<mac>` → dialog, `hop:<mac>` → hop.
  const byKind: Record<string, number> = {};
  added.forEach((k, i) => {
    const kind = k.slice(prefix.length).split(':')[0]!;
    byKind[kind] = (byKind[kind] ?? 0) + sizes[i]!;
  });
  const live = load.total - load.bad;
  const perDialog = (bytes: number) => Math.round(bytes / Math.max(1, live));
  return {
    dialogs: live,
    bad: load.bad,
    keys: added.length,
    bytesPerDialog: perDialog(sizes.reduce((s, b) => s + b, 0)),
    bytesPerDialogByKind: Object.fromEntries(Object.entries(byKind).map(([k, b]) => [k, perDialog(b)])),
    infoDeltaPerDialog: perDialog(usedAfter - usedBefore),
    rssBeforeMb: Math.round(rssBefore),
    rssAfterMb: Math.round(rssAfter),
  };
}
