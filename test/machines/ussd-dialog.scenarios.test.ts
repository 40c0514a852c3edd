/**
 * Named dialog scenarios, hop by hop as the runtime drives them (send, then wait
 * until not busy). Pure: the effects are in-memory fakes answering from queues.
 */
import { describe, expect, it } from 'vitest';
import { startDialog } from './dialog-harness.js';

const SENT = { outcome: 'sent', requestId: 'req-1', expiresInSeconds: 300 };
const OK = { outcome: 'ok' };
const DIGEST = { ok: true, digest: 'dg' };
const state = (dialog: ReturnType<typeof startDialog>) => dialog.actor.getSnapshot();

describe('USSD reset dialog', () => {
  it('locks the request after the fifth wrong code and shows how long the account waits', async () => {
    const invalid = [4, 3, 2, 1].map((attemptsLeft) => ({ outcome: 'invalid', attemptsLeft }));
    const dialog = startDialog({
      startReset: [SENT],
      verifyCode: [...invalid, { outcome: 'locked', retryAfterSeconds: 3600 }],
    });
    await dialog.type('1');
    for (const attemptsLeft of [4, 3, 2, 1]) {
      expect(await dialog.type('000000')).toMatchObject({
        id: 'enter_code',
        params: { error: 'code_wrong', attemptsLeft },
      });
    }
    expect(await dialog.type('000000')).toMatchObject({ id: 'locked', end: true, params: { retryAfterSeconds: 3600 } });
    expect(dialog.effects.count('verifyCode')).toBe(5);
  });

  it('shows the lock screen with the time left when a new dial falls in the cool-off (item 6)', async () => {
    const dialog = startDialog({ startReset: [{ outcome: 'blocked', retryAfterSeconds: 2400 }] });
    expect(await dialog.type('1')).toMatchObject({ id: 'locked', end: true, params: { retryAfterSeconds: 2400 } });
    expect(dialog.effects.count('verifyCode')).toBe(0);
  });

  it('ends the dialog when refused secrets used up the reset (item 7)', async () => {
    const dialog = startDialog({
      startReset: [SENT],
      verifyCode: [OK],
      checkNewSecret: [
        { ok: false, reason: 'reused' },
        { ok: false, spent: true },
      ],
    });
    await dialog.type('1', '123456');
    expect(await dialog.type('4821')).toMatchObject({ id: 'new_ussd_pin', params: { error: 'secret_reused' } });
    expect(await dialog.type('4821')).toMatchObject({ id: 'too_many_secrets', end: true });
  });

  it('ends the dialog after three confirmation mismatches, closing the request', async () => {
    const mismatch = { outcome: 'mismatch' };
    const dialog = startDialog({
      startReset: [SENT],
      verifyCode: [OK],
      checkNewSecret: [DIGEST],
      completeReset: [mismatch, mismatch, mismatch],
      cancelReset: [undefined],
    });
    await dialog.type('1', '123456', '4821');
    expect(await dialog.type('4812')).toMatchObject({
      id: 'confirm_ussd_pin',
      params: { error: 'mismatch', mismatchesLeft: 2 },
    });
    expect(await dialog.type('4812')).toMatchObject({ id: 'confirm_ussd_pin', params: { mismatchesLeft: 1 } });
    expect(await dialog.type('4812')).toMatchObject({ id: 'too_many_mismatches', end: true });
    expect(dialog.effects.calls.at(-1)).toEqual({ name: 'cancelReset', input: { requestId: 'req-1' } });
  });

  it('resumes exactly where the user was when they choose 1', async () => {
    const dialog = startDialog({ startReset: [SENT], verifyCode: [OK], checkNewSecret: [DIGEST] }, { lang: null });
    await dialog.type('2', '2'); // English, then password
    expect((await dialog.send({ type: 'DIAL' })).id).toBe('resume');
    expect((await dialog.type('1')).id).toBe('enter_code');
    await dialog.type('123456', 'long-password-1');
    expect((await dialog.send({ type: 'DIAL' })).id).toBe('resume');
    expect(await dialog.type('1')).toMatchObject({ id: 'confirm_password', params: { page: 0 } });
    expect(dialog.effects.count('startReset')).toBe(1); // resuming sends no new code
  });

  it('cancels the request and shows the menu when they choose 2 to start over', async () => {
    const dialog = startDialog({ startReset: [SENT], cancelReset: [undefined] });
    await dialog.type('1');
    await dialog.send({ type: 'DIAL' });
    expect(await dialog.type('2')).toMatchObject({ id: 'menu', end: false });
    expect(state(dialog).context).toMatchObject({ requestId: null, secretDigest: null });
    expect(dialog.effects.calls.at(-1)).toEqual({ name: 'cancelReset', input: { requestId: 'req-1' } });
  });

  it('shows the menu again on a new dial before any code was sent', async () => {
    const dialog = startDialog({}, { knowledgeCheck: 'birth_year' });
    expect((await dialog.type('1')).id).toBe('knowledge_birth_year');
    expect((await dialog.send({ type: 'DIAL' })).id).toBe('menu');
    expect(dialog.effects.calls).toEqual([]);
  });

  it('goes to the main menu on 00, cancelling the live request first', async () => {
    const dialog = startDialog({ startReset: [SENT], verifyCode: [OK], cancelReset: [undefined] });
    await dialog.type('2', '123456');
    expect(await dialog.type('00')).toMatchObject({ id: 'menu' });
    expect(dialog.effects.count('cancelReset')).toBe(1);
  });

  it('goes back on 0: knowledge check to menu, code to menu (cancelled), confirmation to new PIN', async () => {
    const dialog = startDialog(
      {
        checkKnowledge: [{ ok: true }, { ok: true }],
        startReset: [SENT, { ...SENT, requestId: 'req-2' }],
        cancelReset: [undefined],
        verifyCode: [OK],
        checkNewSecret: [DIGEST],
      },
      { knowledgeCheck: 'id_last4' },
    );
    await dialog.type('1');
    expect((await dialog.type('0')).id).toBe('menu');
    await dialog.type('1', '4242');
    expect((await dialog.type('0')).id).toBe('menu');
    expect(dialog.effects.calls.at(-1)).toEqual({ name: 'cancelReset', input: { requestId: 'req-1' } });
    await dialog.type('1', '4242', '123456', '4821');
    expect((await dialog.type('0')).id).toBe('new_ussd_pin');
    expect(state(dialog).context.secretDigest).toBeNull();
  });

  it('cancels the live request and ends the dialog on NOT_ME', async () => {
    const dialog = startDialog({ startReset: [SENT], cancelReset: [undefined] });
    await dialog.type('1');
    expect(await dialog.send({ type: 'NOT_ME' })).toMatchObject({ id: 'cancelled', end: true });
    expect(dialog.effects.calls.at(-1)).toEqual({ name: 'cancelReset', input: { requestId: 'req-1' } });
  });

  it('ends without calling cancelReset on NOT_ME when no request exists', async () => {
    const dialog = startDialog({});
    expect(await dialog.send({ type: 'NOT_ME' })).toMatchObject({ id: 'cancelled', end: true });
    expect(dialog.effects.calls).toEqual([]);
  });

  it('moves to the new PIN on an SMS_CODE reply, so the next dial resumes there', async () => {
    const dialog = startDialog({ startReset: [SENT], verifyCode: [OK] });
    await dialog.type('1');
    expect((await dialog.send({ type: 'SMS_CODE', code: '654321' })).id).toBe('new_ussd_pin');
    expect(dialog.effects.calls.at(-1)).toEqual({ name: 'verifyCode', input: { requestId: 'req-1', code: '654321' } });
    await dialog.send({ type: 'DIAL' });
    expect((await dialog.type('1')).id).toBe('new_ussd_pin');
  });

  it('ignores an SMS_CODE unless the dialog awaits the code', async () => {
    const dialog = startDialog({ startReset: [SENT], verifyCode: [OK] });
    expect((await dialog.send({ type: 'SMS_CODE', code: '654321' })).id).toBe('menu');
    await dialog.type('1', '123456');
    expect((await dialog.send({ type: 'SMS_CODE', code: '654321' })).id).toBe('new_ussd_pin');
    expect(dialog.effects.count('verifyCode')).toBe(1);
  });

  it('re-asks the same screen with a reason on garbage input, without calling effects', async () => {
    const dialog = startDialog({ startReset: [SENT] }, { lang: null, knowledgeCheck: 'birth_year' });
    expect(await dialog.type('7')).toMatchObject({ id: 'language', params: { error: 'invalid_choice' } });
    expect(await dialog.type('1', 'abc')).toMatchObject({ id: 'menu', params: { error: 'invalid_choice' } });
    expect(await dialog.type('')).toMatchObject({ id: 'menu', params: { error: 'invalid_choice' } });
    expect(await dialog.type('1', '19x0')).toMatchObject({
      id: 'knowledge_birth_year',
      params: { error: 'answer_format' },
    });
    expect(dialog.effects.calls).toEqual([]);
    expect(state(dialog).status).toBe('active');
  });

  it('re-asks the code on letters and the new PIN on an empty entry', async () => {
    const dialog = startDialog({ startReset: [SENT], verifyCode: [OK] });
    await dialog.type('1');
    expect(await dialog.type('12ab56')).toMatchObject({ id: 'enter_code', params: { error: 'code_format' } });
    expect(await dialog.send({ type: 'SMS_CODE', code: 'hello' })).toMatchObject({
      id: 'enter_code',
      params: { error: 'code_format' },
    });
    await dialog.type('123456');
    expect(await dialog.type('')).toMatchObject({ id: 'new_ussd_pin', params: { error: 'empty' } });
  });

  it('re-asks the new PIN with the policy reason', async () => {
    const dialog = startDialog({
      startReset: [SENT],
      verifyCode: [OK],
      checkNewSecret: [{ ok: false, reason: 'sequence' }],
    });
    expect(await dialog.type('1', '123456', '1234')).toMatchObject({
      id: 'new_ussd_pin',
      params: { error: 'secret_sequence' },
    });
  });

  it('resends a code on 1, respecting the cooldown and showing the wait', async () => {
    const dialog = startDialog({
      startReset: [SENT],
      resendCode: [{ outcome: 'cooldown', retryAfterSeconds: 42 }, { outcome: 'sent' }, { outcome: 'limit' }],
    });
    await dialog.type('1');
    expect(await dialog.type('1')).toMatchObject({
      id: 'enter_code',
      params: { error: 'resend_wait', retryAfterSeconds: 42 },
    });
    expect(await dialog.type('1')).toMatchObject({ id: 'enter_code', params: { error: 'code_resent' } });
    expect(await dialog.type('1')).toMatchObject({ id: 'enter_code', params: { error: 'resend_limit' } });
  });

  it('locks after three wrong knowledge answers, keeping the count across menu visits', async () => {
    const wrong = { ok: false };
    const dialog = startDialog({ checkKnowledge: [wrong, wrong, wrong] }, { knowledgeCheck: 'birth_year' });
    expect(await dialog.type('1', '1990')).toMatchObject({ params: { error: 'answer_wrong', answersLeft: 2 } });
    await dialog.type('0', '2'); // back to the menu and into the other flow: no fresh guesses
    expect(await dialog.type('1991')).toMatchObject({ params: { error: 'answer_wrong', answersLeft: 1 } });
    expect(await dialog.type('1992')).toMatchObject({ id: 'too_many_answers', end: true });
  });

  it.each([
    [{ outcome: 'refused', reason: 'sim_swap' }, 'refused_sim_swap'],
    [{ outcome: 'refused', reason: 'cap_reached' }, 'refused_cap_reached'],
    [{ outcome: 'refused', reason: 'not_served' }, 'refused_not_served'],
    [{ outcome: 'rate_limited', retryAfterSeconds: 900 }, 'rate_limited'],
  ])('ends with the reason when startReset answers %o', async (answer, screen) => {
    const dialog = startDialog({ startReset: [answer] });
    expect(await dialog.type('2')).toMatchObject({ id: screen, end: true });
  });

  it('shows service unavailable when an effect fails, and expired when the code expired', async () => {
    const failing = startDialog({ startReset: [SENT] }); // verifyCode has no answer: it rejects
    expect(await failing.type('1', '123456')).toMatchObject({ id: 'unavailable', end: true });
    const late = startDialog({ startReset: [SENT], verifyCode: [{ outcome: 'expired' }] });
    expect(await late.type('1', '123456')).toMatchObject({ id: 'expired', end: true });
  });

  it('holds DIAL and NOT_ME while an effect runs', async () => {
    const dialog = startDialog({ startReset: [SENT] });
    dialog.actor.send({ type: 'INPUT', text: '1' });
    expect(state(dialog).hasTag('busy')).toBe(true);
    expect(state(dialog).can({ type: 'NOT_ME' })).toBe(false);
    expect(state(dialog).can({ type: 'DIAL' })).toBe(false);
    expect(dialog.screen()).toMatchObject({ id: 'wait', end: true });
  });
});
