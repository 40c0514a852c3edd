/**
 * Chaos, issue 13 item 6: the Redis Cluster master holding a live dialog's slot is
 * killed (kill -9) mid-dialog; its replica is promoted. Real: the service in-process
 * on a fresh Postgres database, on the local cluster of scripts/redis-cluster.sh.
 * The killed node is started again afterwards and rejoins as a replica, so the next
 * run finds six healthy nodes. The only test file that kills a cluster node.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDialogStore } from '../../src/dialogs/dialog-store.js';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { CLUSTER_NODES, clusterHealthy, clusterTestsShouldRun, masterOfSlot, onNode, restartNode } from '../support/redis-cluster.js';
import { uniqueRedisPrefix } from '../support/services.js';
import { startTestService, type TestService } from '../support/test-service.js';

const TOKEN = 'at-hook-secret';
// Shorter than any failover can be (cluster-node-timeout 1000 ms, then the election): the first
// hop after the kill cannot be served by a promoted replica in time, so it must get the polite END.
const DEADLINE_MS = 1200;
// A hop must arrive within the telco deadline; the slack absorbs a loaded CI machine.
const SLACK_MS = 2000;
const run = await clusterTestsShouldRun();
const prefix = uniqueRedisPrefix('failover');
let svc: TestService;
let phone: string;
let otp = '';
let killedPort = 0;

beforeAll(async () => {
  if (!run) return;
  svc = await startTestService({
    env: { AT_WEBHOOK_TOKEN: TOKEN, REDIS_CLUSTER_NODES: CLUSTER_NODES, REDIS_KEY_PREFIX: prefix, USSD_HOP_DEADLINE_MS: String(DEADLINE_MS) },
  });
  phone = `+22177${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  await createUserQueries(svc.app.db).upsertUser({ phone, language: 'en', country: 'SN' });
});

afterAll(async () => {
  await svc?.stop();
  if (!killedPort) return;
  restartNode(killedPort);
  for (const until = Date.now() + 30_000; Date.now() < until && !(await clusterHealthy());) await new Promise((r) => setTimeout(r, 200));
}, 40_000);

interface Answer { status: number; text: string; ms: number; at: number }

/** One AT hop, bounded by the deadline plus slack: no answer by then is status 0. */
async function atHop(sessionId: string, text: string, since: number): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(`${svc.url}/gateways/africastalking/ussd?token=${TOKEN}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ sessionId, serviceCode: '*384*1#', phoneNumber: phone, networkCode: '60801', text }),
      signal: AbortSignal.timeout(DEADLINE_MS + SLACK_MS),
    });
    return { status: res.status, text: await res.text(), ms: Date.now() - started, at: started - since };
  } catch {
    return { status: 0, text: 'no answer', ms: Date.now() - started, at: started - since };
  }
}

describe.runIf(run)('issue 13 item 6: a Redis Cluster master killed under a live dialog', () => {
  const sessionId = `ATUid_${randomUUID()}`;

  it('reaches "code sent" with the step acknowledged by a replica', async () => {
    expect((await atHop(sessionId, '', 0)).text).toMatch(/^CON Molam ID/);
    expect((await atHop(sessionId, '1', 0)).text).toMatch(/^CON .*code/i);
    otp = await svc.lastOtpFor(phone);
  });

  it('answers hops politely within the deadline and reports the store degraded until the replica is promoted', async () => {
    const dialogKey = createDialogStore(svc.app.kv, { pepper: svc.app.config.pepper, dialogTtlMs: 1 }).subscriber(phone).dialogKey;
    const slot = await onNode<number>(7000, 'CLUSTER', 'KEYSLOT', `${prefix}${dialogKey}`);
    const master = await masterOfSlot(slot);
    const pid = Number(/process_id:(\d+)/.exec(await onNode<string>(master.port, 'INFO', 'server'))![1]);
    process.kill(pid, 'SIGKILL');
    killedPort = master.port;
    const killedAt = Date.now();

    // Probes as a caller would send them: each a new dial of the same phone, until one is answered from the store again.
    const answers: Answer[] = [];
    const health: number[] = [];
    for (let i = 0; Date.now() - killedAt < 20_000; i += 1) {
      const [answer, h] = await Promise.all([atHop(`ATUid_${randomUUID()}`, '', killedAt), svc.get('/health')]);
      answers.push(answer);
      health.push(h.status);
      if (answer.text.startsWith('CON ')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const until = Date.now() + 10_000; health.at(-1) !== 200 && Date.now() < until;) health.push((await svc.get('/health')).status);
    const last = answers.at(-1)!;
    const polite = answers.filter((a) => a.status === 200 && /^END \S/.test(a.text) && a.ms <= DEADLINE_MS + SLACK_MS);
    console.log(`failover (master :${killedPort} killed): ${last.at + last.ms} ms without answers from the store; ${polite.length} of ${answers.length - 1} hops answered with a polite END meanwhile; health ${[...new Set(health)].join('→')}`);
    expect(last.text).toMatch(/^CON /);
    expect(answers.slice(0, -1).every((a) => polite.includes(a))).toBe(true);
    expect(polite.length).toBeGreaterThan(0);
    expect(health).toContain(503);
    expect(health.at(-1)).toBe(200);
    expect((await masterOfSlot(slot)).port).not.toBe(killedPort);
  }, 30_000);

  it('resumes the dialog where it was: the acknowledged "code sent" step, then completes', async () => {
    const again = `ATUid_${randomUUID()}`;
    expect((await atHop(again, '', 0)).text).toMatch(/^CON /);
    expect((await atHop(again, '1', 0)).text).toMatch(/^CON .*code/i);
    expect((await atHop(again, `1*${otp}`, 0)).text).toMatch(/^CON .*PIN/);
    expect((await atHop(again, `1*${otp}*4826`, 0)).text).toMatch(/^CON /);
    expect((await atHop(again, `1*${otp}*4826*4826`, 0)).text).toMatch(/^END .*PIN/);
  });
});
