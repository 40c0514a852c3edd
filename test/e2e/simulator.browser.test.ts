/**
 * The USSD simulator page in real Chromium (Debian's, driven by playwright-core)
 * against the real service in embedded dev mode (PGlite, in-process store). The
 * page posts to the real Africa's Talking webhook and the OTP is read from its
 * own SMS inbox panel, as a person would. Screenshots go to test/artifacts/.
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
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
});

/** A fresh page on /simulator that records script errors and any request leaving the service. */
async function openSimulator(path = '/simulator') {
  const context = await browser.newContext({ viewport: { width: 1000, height: 820 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('request', (req) => { if (!req.url().startsWith(svc.url)) problems.push(`outside request: ${req.url()}`); });
  const response = await page.goto(`${svc.url}${path}`);
  return { page, response, problems, close: () => context.close() };
}

const screen = (page: Page, name: RegExp) => page.getByRole('region', { name });
const key = (page: Page, k: string) => page.getByRole('group', { name: /Clavier|Keypad/ }).getByRole('button', { name: k, exact: true });
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

  it.skipIf(!hasChromium)(named('resets the French demo user PIN end to end, reading the code from the inbox panel'), async () => {
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
    await expect.poll(async () => (await inboxItems(page).first().textContent()) ?? '').toMatch(/votre PIN a ete change/);

    await page.screenshot({ path: new URL('simulator-pin-reset.png', ARTIFACTS).pathname, fullPage: true });
    expect(problems).toEqual([]);
    await close();
  }, TEST_MS);

  it.skipIf(!hasChromium)(named('switches its labels to English and shows the English user their own dialog'), async () => {
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
  }, TEST_MS);
});
