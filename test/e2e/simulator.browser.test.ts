/**
 * The USSD simulator page in real Chromium (Debian's, driven by playwright-core)
 * against the real service in embedded dev mode (PGlite, in-process store). The
 * page posts to the real Africa's Talking webhook and the OTP is read from its
 * own SMS inbox panel, as a person would; replies by SMS go through the real
 * inbound-SMS webhook. Screenshots go to test/artifacts/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SKIP_REASON = 'chromium not installed: run scripts/ci-install-tools.sh';
const named = (title: string) => (hasChromium ? title : `${title} (skipped: ${SKIP_REASON})`);
const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const TEST_MS = 45_000;

let svc: TestService;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  svc = await startTestService({ embedded: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // No outside network here: keep Chromium from reaching for it.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
});

/** A fresh page on /simulator that records script errors and any request leaving the service. */
async function openSimulator(path = '/simulator', viewport = { width: 1000, height: 820 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('request', (req) => {
    if (!req.url().startsWith(svc.url)) problems.push(`outside request: ${req.url()}`);
  });
  const response = await page.goto(`${svc.url}${path}`);
  return { page, response, problems, close: () => context.close() };
}

const screen = (page: Page, name: RegExp) => page.getByRole('region', { name });
const key = (page: Page, k: string) =>
  page.getByRole('group', { name: /Clavier|Keypad/ }).getByRole('button', { name: k, exact: true });
const inboxItems = (page: Page) => page.locator('#inbox-list > li');

/** The newest code in the page's own inbox panel (newest message on top). */
async function codeFromInbox(page: Page): Promise<string> {
  const newest = inboxItems(page).first();
  await expect.poll(async () => (await newest.textContent()) ?? '', { timeout: 10_000 }).toMatch(/\b\d{6}\b/);
  return (await newest.textContent())!.match(/\b(\d{6})\b/)![1]!;
}

describe('USSD simulator page (real Chromium)', () => {
  it('never turns text into markup: no innerHTML, outerHTML, insertAdjacentHTML or document.write in the page script', () => {
    const script = readFileSync(new URL('../../src/simulator/simulator.js', import.meta.url), 'utf8');
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });

  it.skipIf(!hasChromium)(
    named('resets the French demo user PIN end to end, reading the code from the inbox panel'),
    async () => {
      const { page, response, problems, close } = await openSimulator();
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('fr');
      expect(await page.getByLabel('Numéro de téléphone').inputValue()).toBe('+221770000001');
      expect(await page.getByLabel('Code de service').inputValue()).toBe('*384*1#');
      const phoneScreen = screen(page, /Écran du téléphone/);
      expect(await phoneScreen.getAttribute('aria-live')).toBe('polite');

      await page.getByRole('button', { name: 'Appeler', exact: true }).click();
      await expect.poll(() => phoneScreen.textContent()).toMatch(/^Molam ID\n1\. /);
      await key(page, '1').click();
      await page.getByRole('button', { name: 'Envoyer', exact: true }).click();
      await expect.poll(() => phoneScreen.textContent()).toMatch(/code/i);

      const otp = await codeFromInbox(page);
      expect(await inboxItems(page).first().textContent()).toMatch(/est votre code/);
      await page.getByLabel('Votre réponse').fill(otp);
      await page.getByRole('button', { name: 'Envoyer', exact: true }).click();
      await expect.poll(() => phoneScreen.textContent()).toMatch(/nouveau code PIN/i);
      for (const digit of '4826') await key(page, digit).click();
      await page.getByRole('button', { name: 'Envoyer', exact: true }).click();
      await expect.poll(() => phoneScreen.textContent()).toMatch(/encore/i);
      await page.getByLabel('Votre réponse').fill('4826');
      await page.getByLabel('Votre réponse').press('Enter');

      await expect.poll(() => phoneScreen.textContent()).toMatch(/Votre code PIN a ete modifie/);
      await expect(page.getByRole('button', { name: 'Rappeler', exact: true }).isEnabled()).resolves.toBe(true);
      expect(await page.getByRole('button', { name: 'Envoyer', exact: true }).isDisabled()).toBe(true);
      await expect
        .poll(async () => (await inboxItems(page).first().textContent()) ?? '')
        .toMatch(/votre PIN a ete change/);

      await page.screenshot({ path: new URL('simulator-pin-reset.png', ARTIFACTS).pathname, fullPage: true });
      expect(problems).toEqual([]);
      await close();
    },
    TEST_MS,
  );

  it.skipIf(!hasChromium)(
    named('switches its labels to English and shows the English user their own dialog'),
    async () => {
      const { page, problems, close } = await openSimulator();
      await page.getByRole('button', { name: 'EN', exact: true }).click();
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
      await page.getByLabel('Demo user').selectOption('+254700000002');
      expect(await page.getByLabel('Phone number').inputValue()).toBe('+254700000002');
      await expect.poll(() => page.locator('#inbox-number').textContent()).toBe('+254700000002');

      const phoneScreen = screen(page, /Phone screen/);
      await page.getByRole('button', { name: 'Dial', exact: true }).click();
      await expect.poll(() => phoneScreen.textContent()).toMatch(/^Molam ID\n1\. Reset PIN/);
      await key(page, '1').click();
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect.poll(() => phoneScreen.textContent()).toMatch(/Enter the 6-digit code/);
      const otp = await codeFromInbox(page);
      expect(await inboxItems(page).first().textContent()).toMatch(/is your PIN reset code/);
      // The French user's messages are not shown for this number.
      expect(await page.locator('#inbox-list').textContent()).not.toMatch(/est votre code/);
      await page.getByLabel('Your reply').fill(otp); // typed, not sent: the screenshot shows the dialog mid-way

      await page.screenshot({ path: new URL('simulator-en-mid-dialog.png', ARTIFACTS).pathname, fullPage: true });

      await page.getByRole('button', { name: 'Cancel', exact: true }).click();
      await expect.poll(() => phoneScreen.textContent()).toBe('USSD session cancelled.');
      await expect(page.getByRole('button', { name: 'Dial again', exact: true }).isEnabled()).resolves.toBe(true);
      expect(problems).toEqual([]);
      await close();
    },
    TEST_MS,
  );
});

/** Whether the element's box lies inside the viewport, with no scrolling (1 px of sub-pixel rounding allowed). */
async function inView(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).first().boundingBox();
  const viewport = page.viewportSize()!;
  return (
    box !== null &&
    box.y >= -1 &&
    box.y + box.height <= viewport.height + 1 &&
    box.x >= -1 &&
    box.x + box.width <= viewport.width + 1
  );
}

/** Opens the English demo user's dialog up to the code screen; returns the code from the inbox. */
async function englishUserAtCodeScreen(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'EN', exact: true }).click();
  await page.getByLabel('Demo user').selectOption('+254700000002');
  const dial = page.getByRole('button', { name: /^Dial( again)?$/ });
  await dial.click();
  // An earlier test may have left this user's dialog open: "2. Start over" goes back to the menu.
  await expect
    .poll(() => screen(page, /Phone screen/).textContent())
    .toMatch(/^Molam ID\n(1\. Reset PIN|You have a reset in progress)/);
  if (/in progress/.test((await screen(page, /Phone screen/).textContent()) ?? '')) {
    await key(page, '2').click();
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => screen(page, /Phone screen/).textContent()).toMatch(/^Molam ID\n1\. Reset PIN/);
  }
  const before = await inboxItems(page).count(); // the new code, not one an earlier test left
  await key(page, '1').click();
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect.poll(() => screen(page, /Phone screen/).textContent()).toMatch(/Enter the 6-digit code/);
  await expect.poll(() => inboxItems(page).count(), { timeout: 10_000 }).toBeGreaterThan(before);
  return codeFromInbox(page);
}

describe('issue 15 item 7: simulator for a newcomer (real Chromium)', () => {
  it.skipIf(!hasChromium)(
    named('replies to the code by SMS from the inbox; the next dial continues at the new PIN'),
    async () => {
      const { page, problems, close } = await openSimulator();
      const otp = await englishUserAtCodeScreen(page);
      await page.getByRole('textbox', { name: /Reply by SMS/ }).fill(otp);
      await page.getByRole('button', { name: 'Send SMS', exact: true }).click();
      await expect.poll(() => page.locator('#sms-status').textContent()).toMatch(/SMS sent/);
      expect(await page.locator('#inbox-list > li.msg-out').first().textContent()).toContain(otp);
      await expect.poll(async () => (await inboxItems(page).first().textContent()) ?? '').toMatch(/code confirmed/);
      await page.screenshot({ path: new URL('simulator-sms-reply.png', ARTIFACTS).pathname, fullPage: true });

      await page.getByRole('button', { name: 'Cancel', exact: true }).click();
      await page.getByRole('button', { name: 'Dial again', exact: true }).click();
      await expect.poll(() => screen(page, /Phone screen/).textContent()).toMatch(/reset in progress[^]*1\. Continue/);
      await key(page, '1').click();
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect.poll(() => screen(page, /Phone screen/).textContent()).toMatch(/Choose a new PIN/);

      // NOT ME from the inbox cancels it; each reply carries its own message id, so it is not taken for a repeat.
      await page.getByRole('button', { name: 'NOT ME', exact: true }).click();
      await expect
        .poll(async () => (await inboxItems(page).first().textContent()) ?? '')
        .toMatch(/the reset was cancelled/);
      expect(problems).toEqual([]);
      await close();
    },
    TEST_MS,
  );

  it.skipIf(!hasChromium)(
    named('sends with Enter while a keypad button has focus, and keeps the session line in view at 900 px'),
    async () => {
      const { page, problems, close } = await openSimulator('/simulator', { width: 900, height: 900 });
      const phoneScreen = screen(page, /Écran du téléphone/);
      await page.getByRole('button', { name: 'Appeler', exact: true }).click();
      await expect.poll(() => phoneScreen.textContent()).toMatch(/^Molam ID\n1\. /);
      await key(page, '1').click(); // the button keeps the focus
      await page.keyboard.press('Enter');
      await expect.poll(() => phoneScreen.textContent()).toMatch(/code a 6 chiffres/);
      await expect.poll(() => page.locator('#session-info').textContent()).toMatch(/^Session SIM_\w+ · échange 2$/);
      expect(await inView(page, '#session-info')).toBe(true);
      expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe('/simulator/favicon.svg');
      const icon = await fetch(`${svc.url}/simulator/favicon.svg`);
      expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
      await page.screenshot({ path: new URL('simulator-900px.png', ARTIFACTS).pathname });
      expect(problems).toEqual([]);
      await close();
    },
    TEST_MS,
  );

  it.skipIf(!hasChromium)(
    named('names an invalid phone number as the cause'),
    async () => {
      const { page, problems, close } = await openSimulator();
      await page.getByLabel('Numéro de téléphone').fill('77 abc');
      await page.getByLabel('Numéro de téléphone').dispatchEvent('change');
      await page.getByRole('button', { name: 'Appeler', exact: true }).click();
      await expect
        .poll(() => screen(page, /Écran du téléphone/).textContent())
        .toMatch(/^Numéro de téléphone non valide : « 77 abc »/);
      expect(await page.getByLabel('Numéro de téléphone').getAttribute('aria-invalid')).toBe('true');
      await expect
        .poll(() => page.locator('#phone-number').evaluate((input) => input.ownerDocument.activeElement === input))
        .toBe(true);
      expect(problems).toEqual([]);
      await close();
    },
    TEST_MS,
  );

  it.skipIf(!hasChromium)(
    named('falls back from an unknown ?lang= with a visible note'),
    async () => {
      const { page, problems, close } = await openSimulator('/simulator?lang=wo');
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('fr');
      await expect(page.locator('#lang-note').isVisible()).resolves.toBe(true);
      expect(await page.locator('#lang-note').textContent()).toBe(
        'Langue « wo » inconnue : affichage en français (langues : fr, en).',
      );
      await page.getByRole('button', { name: 'EN', exact: true }).click();
      await expect(page.locator('#lang-note').isVisible()).resolves.toBe(false);
      expect(problems).toEqual([]);
      await close();
    },
    TEST_MS,
  );

  it.skipIf(!hasChromium)(
    named('on a narrow screen keeps the inbox in view above the keypad'),
    async () => {
      const { page, problems, close } = await openSimulator('/simulator', { width: 390, height: 844 });
      await englishUserAtCodeScreen(page);
      // Scrolled down to type: the inbox stays on top, its newest code above the reply box, neither covering the other.
      await page.locator('#ussd-input').evaluate((input) => input.scrollIntoView({ block: 'end' }));
      expect(await page.locator('html').evaluate((html) => html.ownerDocument.defaultView!.scrollY)).toBeGreaterThan(0);
      expect(await inView(page, '#inbox-list > li')).toBe(true);
      expect(await inView(page, '#ussd-input')).toBe(true);
      const inbox = (await page.locator('.inbox').boundingBox())!;
      expect(inbox.y + inbox.height).toBeLessThanOrEqual((await page.locator('#ussd-input').boundingBox())!.y);
      await page.screenshot({ path: new URL('simulator-narrow.png', ARTIFACTS).pathname });
      expect(problems).toEqual([]);
      await close();
    },
    TEST_MS,
  );
});
