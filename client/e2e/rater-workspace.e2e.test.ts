import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { PairInput } from '@anchor/shared';
import { startTestApp, type TestApp, type TestUser } from '../../server/test/harness.js';
import { accessibilityViolations, assertClientBuilt, launchBrowser, screenshot } from './support.js';

/** The browser globals the page functions below use (the e2e tsconfig has no DOM library). */
interface BrowserGlobals {
  document: { activeElement: { textContent: string | null } | null; documentElement: { dir: string; lang: string } };
  getComputedStyle(element: unknown): { direction: string };
  indexedDB: {
    open(name: string): {
      onsuccess: () => void;
      result: {
        transaction(store: string): {
          objectStore(store: string): { count(): { onsuccess: () => void; result: number } };
        };
      };
    };
  };
}

const resultsDir = fileURLToPath(new URL('../../test-results/', import.meta.url));

let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  assertClientBuilt();
  app = await startTestApp();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

interface RaterPage {
  context: BrowserContext;
  page: Page;
  pageErrors: Error[];
  requested: string[];
  dialogs: string[];
}

/**
 * A fresh profile. `bypassCSP`: the server's Content-Security-Policy is a second line of defence; these tests prove
 * the first one (what the client renders) on its own, and axe-core is injected as an inline script.
 */
async function openRater(name: string, options: { width?: number } = {}): Promise<RaterPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    locale: 'en-GB',
    bypassCSP: true,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const result: RaterPage = { context, page, pageErrors: [], requested: [], dialogs: [] };
  page.on('pageerror', (error) => result.pageErrors.push(error));
  page.on('request', (request) => result.requested.push(request.url()));
  onTestFailed(() => screenshot(page, `failure-rater-${name}`));
  page.on('dialog', (dialog) => {
    result.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  void name;
  return result;
}

/** Signs in with the keyboard only: type, Tab, type, Enter. */
async function signInWithKeyboard(page: Page, user: TestUser): Promise<void> {
  await page.getByLabel('Email').focus();
  await page.keyboard.type(user.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user.password);
  await page.keyboard.press('Enter');
}

const promptRegion = (page: Page) => page.getByRole('region', { name: 'Prompt' });

async function judgmentCount(assignmentFilter: { raterId: string }): Promise<number> {
  const rows = await app.db
    .selectFrom('judgments')
    .select('id')
    .where('rater_id', '=', assignmentFilter.raterId)
    .execute();
  return rows.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe('the rater workspace in a browser', () => {
  it('judges several pairs with the keyboard only, one round trip each; signals are stored; screens pass axe', async () => {
    const task = await app.createTask({
      name: 'Keyboard customs',
      instructions: 'Prefer the **accurate** and *respectful* answer.\n\n- Read both\n- Then choose',
      status: 'active',
      judgmentsPerPair: 1,
      scale: { points: 5 },
    });
    await app.importPairs(task.id, app.demoPairs(12, { prefix: 'kb' }));
    const rater = await app.createUser({ role: 'rater' });
    const { page, pageErrors } = await openRater('keyboard');

    await page.goto(app.url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'rater-sign-in');
    expect(await accessibilityViolations(page)).toEqual([]);
    await signInWithKeyboard(page, rater);
    await page.getByRole('heading', { name: 'Your tasks' }).waitFor();
    await page.getByRole('heading', { name: 'Keyboard customs' }).waitFor();
    await screenshot(page, 'rater-home-workspace');
    expect(await accessibilityViolations(page)).toEqual([]);

    // Tab to "Start rating" and press Enter.
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      if (
        (await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.activeElement?.textContent)) ===
        'Start rating'
      )
        break;
    }
    await page.keyboard.press('Enter');
    await promptRegion(page).waitFor();

    // First visit: the instructions are open, rendered from Markdown; I hides and shows them.
    const instructions = page.locator('#instructions-body');
    expect(await instructions.isVisible()).toBe(true);
    expect(await instructions.locator('strong').textContent()).toBe('accurate');
    expect(await page.getByRole('button', { name: 'Submit' }).isDisabled()).toBe(true); // nothing preselected
    await screenshot(page, 'rater-judging');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.keyboard.press('i');
    expect(await instructions.isVisible()).toBe(false);

    // ? opens the shortcuts (a lazily loaded dialog); Escape closes it; no shortcut fires meanwhile.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await screenshot(page, 'rater-help-dialog');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.keyboard.press('1');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    expect(await page.getByRole('button', { pressed: true }).count()).toBe(0);

    // Enter without a choice submits nothing and says why.
    await page.keyboard.press('Enter');
    await page.getByText('Choose a position on the scale first.').waitFor();

    // Judge eight pairs: a digit, Enter. Typing in the rationale on some of them never picks or submits.
    const keys = ['1', '2', '3', '4', '5', '1', '5', '3'];
    for (const [index, key] of keys.entries()) {
      const before = await promptRegion(page).textContent();
      if (index % 3 === 0) {
        await page.getByLabel('Rationale').focus();
        await page.keyboard.type(`Reason ${index}: 3 and 5`);
        await page.keyboard.press('Enter'); // a new line, not a submit
        await page.keyboard.press('Tab'); // out of the field
        expect(await page.getByRole('button', { pressed: true }).count()).toBe(0);
      }
      await page.keyboard.press(key);
      expect(await page.locator('[data-choice][aria-pressed="true"]').count()).toBe(1);
      await page.keyboard.press('Enter');
      await expect.poll(() => promptRegion(page).textContent()).not.toBe(before);
    }

    // S skips with a reason, by keyboard: S focuses the first reason, Space picks it, Enter confirms.
    const beforeSkip = await promptRegion(page).textContent();
    await page.keyboard.press('s');
    await page.getByRole('group', { name: 'Why are you skipping this pair?' }).waitFor();
    await page.keyboard.press('Space');
    await page.keyboard.press('Enter');
    await expect.poll(() => promptRegion(page).textContent()).not.toBe(beforeSkip);

    // The progress strip counted them.
    await expect.poll(() => page.getByText('In this task').locator('..').textContent()).toContain('8');

    const measures = await page.evaluate(() => ({
      dom: performance.getEntriesByName('anchor:enter-to-next').map((e) => e.duration),
      paint: performance.getEntriesByName('anchor:enter-to-next-paint').map((e) => e.duration),
    }));
    expect(measures.dom.length).toBeGreaterThanOrEqual(keys.length);
    const timing = {
      samples: measures.dom.length,
      enterToNextDomP50Ms: median(measures.dom),
      enterToNextPaintP50Ms: median(measures.paint),
      enterToNextDomMaxMs: Math.max(...measures.dom),
    };
    // Reported, not asserted: the suite asserts no speed.
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, 'rater-enter-to-next.json'), JSON.stringify(timing, null, 2));
    console.log('Enter → next pair', timing);

    const stored = await app.db
      .selectFrom('judgments')
      .selectAll()
      .where('rater_id', '=', rater.user.id)
      .orderBy('seq')
      .execute();
    expect(stored).toHaveLength(keys.length);
    expect(stored.map((j) => j.choice)).toEqual(keys.map((k) => Number(k) - 3));
    for (const j of stored) {
      expect(j.ui_version).toBe('0.2.0');
      expect(j.screen_width).toBe(1280);
      expect(j.active_ms).toEqual(expect.any(Number));
      expect(j.first_choice_ms).toEqual(expect.any(Number));
      expect(j.first_choice_ms!).toBeLessThanOrEqual(j.time_ms!);
      expect(j.focus_losses).toEqual(expect.any(Number));
    }
    expect(stored[0]!.rationale).toBe('Reason 0: 3 and 5');
    expect(stored[0]!.keystroke_count).toBeGreaterThanOrEqual('Reason 0: 3 and 5'.length);
    expect(stored[1]!.keystroke_count).toBe(0);
    const skipped = await app.db
      .selectFrom('assignments')
      .select('skip_reason')
      .where('rater_id', '=', rater.user.id)
      .where('status', '=', 'skipped')
      .execute();
    expect(skipped).toEqual([{ skip_reason: 'language' }]);

    // History shows the rater's own judgments and figures.
    await page.goto(`${app.url}/history`);
    await page.getByRole('heading', { name: 'Your judgments' }).waitFor();
    await page.getByText('Reason 0: 3 and 5').waitFor();
    expect(await page.locator('.history-item').count()).toBe(keys.length);
    await screenshot(page, 'rater-history');
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('rates criteria and writes a required rationale by keyboard, and flags a response', async () => {
    const task = await app.createTask({
      name: 'Criteria task',
      status: 'active',
      judgmentsPerPair: 1,
      criteria: [{ id: 'culture', label: "Respects the asker's culture", points: 5 }],
      rationale: { mode: 'required', minLength: 12 },
    });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'crit' }));
    const rater = await app.createUser();
    const { page, pageErrors } = await openRater('criteria');
    await page.goto(`${app.url}/rate/${task.id}`);
    await signInWithKeyboard(page, rater);
    await promptRegion(page).waitFor();

    await page.keyboard.press('2');
    const submit = page.getByRole('button', { name: 'Submit' });
    expect(await submit.isDisabled()).toBe(true); // the criterion and the rationale are still missing
    // Focus the criterion's first option; a digit there rates the criterion, not the scale.
    await page
      .getByRole('radiogroup', { name: /Respects the asker/ })
      .getByRole('radio')
      .first()
      .focus();
    await page.keyboard.press('4');
    expect(await page.getByRole('radio', { name: '4' }).isChecked()).toBe(true);
    expect(await page.locator('[data-choice="-1"]').getAttribute('aria-pressed')).toBe('true');
    await page.getByLabel('Rationale').focus();
    await page.keyboard.type('Too short');
    await page.keyboard.press('Tab');
    expect(await submit.isDisabled()).toBe(true);
    await page.getByLabel('Rationale').focus();
    await page.keyboard.type(', now long enough');
    await page.getByLabel('Factually wrong').focus();
    await page.keyboard.press('Space');
    await screenshot(page, 'rater-judging-criteria');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.keyboard.press('Enter'); // on a checkbox: submits
    await expect.poll(() => judgmentCount({ raterId: rater.user.id })).toBe(1);
    const row = await app.db
      .selectFrom('judgments')
      .selectAll()
      .where('rater_id', '=', rater.user.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      choice: -1,
      criteria: { culture: 4 },
      rationale: 'Too short, now long enough',
      flags: ['factually_wrong'],
    });
    expect(pageErrors).toEqual([]);
  });

  it('keeps a judgment made offline and records it exactly once when the network returns, or on the next visit', async () => {
    const task = await app.createTask({ name: 'Offline task', status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(4, { prefix: 'off' }));
    const rater = await app.createUser();
    const { context, page, pageErrors } = await openRater('offline');
    await page.goto(`${app.url}/rate/${task.id}`);
    await signInWithKeyboard(page, rater);
    await promptRegion(page).waitFor();

    // 1. Offline, then online on the same page.
    await context.setOffline(true);
    await page.getByText('Connection lost').waitFor();
    const before = await promptRegion(page).textContent();
    await page.keyboard.press('4');
    await page.keyboard.press('Enter');
    await page.getByText('Your judgment is saved on this device').waitFor();
    await page.getByText('1 judgment waiting to be sent').waitFor();
    await screenshot(page, 'rater-offline-pending');
    expect(await judgmentCount({ raterId: rater.user.id })).toBe(0);
    await context.setOffline(false);
    await expect.poll(() => promptRegion(page).textContent(), { timeout: 20_000 }).not.toBe(before);
    await page.getByText('waiting to be sent').waitFor({ state: 'detached' });
    expect(await judgmentCount({ raterId: rater.user.id })).toBe(1);

    // 2. Offline, then the page is closed; the next visit sends it (same key: still exactly one judgment for it).
    await context.setOffline(true);
    await page.getByText('Connection lost').waitFor();
    await page.keyboard.press('2');
    await page.keyboard.press('Enter');
    await page.getByText('1 judgment waiting to be sent').waitFor();
    const kept = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const open = (globalThis as unknown as BrowserGlobals).indexedDB.open('anchor');
          open.onsuccess = () => {
            const request = open.result.transaction('outbox').objectStore('outbox').count();
            request.onsuccess = () => resolve(request.result);
          };
        }),
    );
    expect(kept).toBe(1);
    await page.close();
    await context.setOffline(false);
    expect(await judgmentCount({ raterId: rater.user.id })).toBe(1);
    const second = await context.newPage();
    await second.goto(`${app.url}/rate/${task.id}`);
    await promptRegion(second).waitFor();
    await expect.poll(() => judgmentCount({ raterId: rater.user.id })).toBe(2);
    const rows = await app.db
      .selectFrom('judgments')
      .select(['choice', 'idempotency_key'])
      .where('rater_id', '=', rater.user.id)
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => r.choice)).toEqual([1, -1]);
    expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(2);
    expect(pageErrors).toEqual([]);
  });

  it('renders hostile responses inert: no script, handler, javascript: link or remote image runs or loads', async () => {
    const marker = `${app.url}/api/xss-probe`;
    const hostile = [
      '<script>alert("script"); window.__xss = "script"</script>',
      `<img src="${marker}/img" onerror="alert('onerror'); window.__xss = 'onerror'">`,
      '[a javascript link](javascript:alert("link"))',
      '<a href="javascript:alert(\'anchor\')">raw anchor</a>',
      '[data link](data:text/html,<script>alert(1)</script>)',
      `![remote image](${marker}/markdown-image.png)`,
      '<svg onload="alert(\'svg\')"></svg>',
      '**Bold** and `code` and\n\n```js\nalert("in a code block")\n```',
    ].join('\n\n');
    const pairs: PairInput[] = [
      {
        externalId: 'hostile',
        prompt: `<iframe src="${marker}/iframe"></iframe> Which is safer? <b onmouseover="alert(1)">hover</b>`,
        responseA: { text: hostile },
        responseB: { text: `<details open ontoggle="alert('toggle')">x</details>\n\n[ok](https://example.org/page)` },
      },
    ];
    const task = await app.createTask({ name: 'Hostile task', status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, pairs);
    const rater = await app.createUser();
    const { page, dialogs, requested, pageErrors } = await openRater('hostile');
    await page.goto(`${app.url}/rate/${task.id}`);
    await signInWithKeyboard(page, rater);
    await promptRegion(page).waitFor();
    await page.getByText('in a code block').waitFor();

    const main = page.locator('.responses, .prompt');
    // The raw HTML is shown as the text it is.
    expect(await page.getByText('<script>alert("script"); window.__xss = "script"</script>').count()).toBe(1);
    // Nothing from the text became an element that could run or load anything.
    expect(
      await main.locator('script, img, iframe, svg, details, [onerror], [onload], [onmouseover], [ontoggle]').count(),
    ).toBe(0);
    expect(await page.locator('a[href^="javascript"], a[href^="data"]').count()).toBe(0);
    // A safe link stays a link, opening elsewhere without a referrer.
    const safe = page.getByRole('link', { name: 'ok' });
    expect(await safe.getAttribute('href')).toBe('https://example.org/page');
    expect(await safe.getAttribute('rel')).toContain('noopener');
    // The remote image is its alt text.
    await page.getByText('[image: remote image]').waitFor();
    // Markdown still renders.
    expect(await main.locator('strong', { hasText: 'Bold' }).count()).toBe(1);
    expect(await main.locator('pre code').textContent()).toContain('alert("in a code block")');

    // Hover and click everything, then check: no dialog, no global set, no request to the probe.
    for (const link of await main.locator('span, b, p').all()) await link.hover({ force: true }).catch(() => undefined);
    await page.getByText('a javascript link').click();
    await page.getByText('raw anchor').click();
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (globalThis as { __xss?: string }).__xss)).toBeUndefined();
    expect(requested.filter((url) => url.includes('xss-probe'))).toEqual([]);
    expect(pageErrors).toEqual([]);
    await screenshot(page, 'rater-hostile-inert');
  });

  it('lays Arabic text out right to left, and mirrors the whole layout when the UI language is Arabic', async () => {
    const task = await app.createTask({ name: 'Arabic task', status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, [
      {
        externalId: 'ar',
        prompt: 'ما هي أفضل طريقة لتحية كبار السن في الأردن؟',
        responseA: { text: 'قبّل يد الجدة أو صافحها باحترام، وقل "السلام عليكم".\n\nThen ask about her health.' },
        responseB: { text: 'Just wave.' },
      },
    ]);
    const rater = await app.createUser({ languages: ['ar', 'en'] });
    const { page, pageErrors } = await openRater('arabic');
    await page.goto(`${app.url}/rate/${task.id}`);
    await signInWithKeyboard(page, rater);
    await promptRegion(page).waitFor();

    const direction = (text: string) =>
      page
        .getByText(text, { exact: false })
        .first()
        .evaluate((el) => (globalThis as unknown as BrowserGlobals).getComputedStyle(el).direction);
    expect(await direction('ما هي أفضل طريقة')).toBe('rtl');
    const arabicSide = page.locator('.response', { hasText: 'قبّل' });
    expect(
      await arabicSide
        .locator('p', { hasText: 'قبّل' })
        .evaluate((el) => (globalThis as unknown as BrowserGlobals).getComputedStyle(el).direction),
    ).toBe('rtl');
    expect(
      await arabicSide
        .locator('p', { hasText: 'Then ask' })
        .evaluate((el) => (globalThis as unknown as BrowserGlobals).getComputedStyle(el).direction),
    ).toBe('ltr');
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.dir)).toBe(
      'ltr',
    );

    // Switch the UI to Arabic with the keyboard (the header's language menu).
    await page.getByLabel('Language', { exact: true }).focus();
    await page.getByLabel('Language', { exact: true }).selectOption('ar');
    await page.getByRole('button', { name: 'إرسال' }).waitFor();
    expect(
      await page.evaluate(() => [
        (globalThis as unknown as BrowserGlobals).document.documentElement.dir,
        (globalThis as unknown as BrowserGlobals).document.documentElement.lang,
      ]),
    ).toEqual(['rtl', 'ar']);
    // Mirrored: the brand sits at the right edge, the left response's heading is in Arabic; untranslated keys fall back to English.
    const brand = await page.getByRole('link', { name: 'Anchor, home' }).boundingBox();
    expect(brand!.x).toBeGreaterThan(640);
    await page.getByRole('heading', { name: 'اليسار' }).waitFor();
    await page.getByText('Flags (optional)').waitFor();
    await screenshot(page, 'rater-judging-arabic-ui');
    expect(await accessibilityViolations(page)).toEqual([]);

    // The choice survives a reload, from localStorage.
    await page.reload();
    await page.getByRole('button', { name: 'إرسال' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.dir)).toBe(
      'rtl',
    );
    expect(pageErrors).toEqual([]);
  });

  it('lets a rater give and withdraw consent for demographics on the profile page', async () => {
    const rater = await app.createUser({ country: 'KE', languages: ['sw'] });
    const { page, pageErrors } = await openRater('profile');
    await page.goto(`${app.url}/profile`);
    await signInWithKeyboard(page, rater);
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();
    expect(await page.getByLabel('Country').inputValue()).toBe('KE');
    await page.getByLabel('I have read this text and agree').check();
    await page.getByRole('button', { name: 'Give consent' }).click();
    await page.getByLabel('Age range').selectOption('25-34');
    await page.getByLabel('Gender').fill('woman');
    await page.getByRole('button', { name: 'Save answers' }).click();
    await page.getByText('Saved.').waitFor();
    await screenshot(page, 'rater-profile');
    expect(await accessibilityViolations(page)).toEqual([]);
    const stored = await app.db
      .selectFrom('users')
      .select('demographics')
      .where('id', '=', rater.user.id)
      .executeTakeFirstOrThrow();
    expect(stored.demographics).toEqual({ ageRange: '25-34', gender: 'woman' });
    await page.getByRole('button', { name: 'Withdraw consent and delete my answers' }).click();
    await page.getByText('Your consent is withdrawn').waitFor();
    const after = await app.db
      .selectFrom('users')
      .select('demographics')
      .where('id', '=', rater.user.id)
      .executeTakeFirstOrThrow();
    expect(after.demographics).toBeNull();
    expect(pageErrors).toEqual([]);
  });
});
