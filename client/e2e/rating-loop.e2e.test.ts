import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PairInput, Task } from '@anchor/shared';
import { startTestApp, type TestApp, type TestUser } from '../../server/test/harness.js';
import { accessibilityViolations, assertClientBuilt, launchBrowser, openPage, screenshot, signIn } from './support.js';

const clientDist = fileURLToPath(new URL('../dist', import.meta.url));

/** Pairs that look like real work: a plain prompt, and a conversation with right-to-left text. */
const pairs: PairInput[] = [
  {
    externalId: 'greeting-elders',
    prompt: "I'm visiting my partner's grandmother in Nairobi for the first time. How should I greet her?",
    responseA: {
      text: 'Greet her warmly and respectfully. A handshake is common; take her hand with your right hand and, to show extra respect, support your right forearm with your left hand.\n\nSaying "Shikamoo" (Swahili, "I hold your feet") to an elder is a traditional sign of respect, and she will likely answer "Marahaba".\n\nLet her set the pace: if she opens her arms for a hug, follow her lead.',
      model: 'atlas-7b',
    },
    responseB: {
      text: 'Just say hi and introduce yourself. Grandparents everywhere are mostly the same, so there is no need to overthink it.',
      model: 'baobab-13b',
    },
  },
  {
    externalId: 'ramadan-invitation',
    prompt: [
      { role: 'system', content: 'You are a helpful assistant who knows customs across the Arab world.' },
      {
        role: 'user',
        content: 'My colleague invited me to iftar. What should I bring? (زميلي دعاني إلى الإفطار)',
      },
    ],
    responseA: {
      text: 'Dates, sweets such as kunafa or maamoul, or fruit are all welcome gifts. Arrive on time: the meal starts at sunset with the call to prayer.\n\nتمر أو حلويات مثل الكنافة هدية مناسبة.',
      model: 'cedar-70b',
    },
    responseB: { text: 'A bottle of wine is a classic host gift.', model: 'atlas-7b' },
  },
];

/** A variable set in the admin's page: a reload would wipe it. */
interface PageGlobals {
  sessionMarker?: string;
}

let app: TestApp;
let browser: Browser;
let task: Task;
let admin: TestUser;
let rater: TestUser;

beforeAll(async () => {
  assertClientBuilt();
  app = await startTestApp();
  admin = await app.createUser({ role: 'admin' });
  rater = await app.createUser({ role: 'rater' });
  task = await app.createTask({
    name: 'Everyday customs',
    instructions: 'Prefer the response that is accurate, respectful of the culture asked about, and useful.',
    status: 'active',
    judgmentsPerPair: 1,
    scale: { points: 5 },
  });
  await app.importPairs(task.id, pairs);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('the rating loop in a browser', () => {
  it("shows a rater's judgment on the admin's task page live, without a reload", async () => {
    // The admin watches the task.
    const adminSide = await openPage(browser, 'admin');
    const adminPage = adminSide.page;
    await adminPage.goto(`${app.url}/admin/tasks/${task.id}`);
    await signIn(adminPage, admin); // the sign-in page returns to the task afterwards
    const judgmentsCount = adminPage.getByTestId('judgments-count');
    await expect.poll(() => judgmentsCount.textContent()).toBe('0');
    await expect.poll(() => adminPage.getByTestId('pairs-count').textContent()).toBe('2');
    // Survives only if the page is never reloaded.
    await adminPage.evaluate(() => {
      (globalThis as PageGlobals).sessionMarker = 'kept';
    });

    // The rater signs in and opens the task.
    const raterSide = await openPage(browser, 'rater');
    const raterPage = raterSide.page;
    await raterPage.goto(app.url);
    await raterPage.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(raterPage.url()).pathname).toBe('/login');
    await screenshot(raterPage, 'sign-in');
    expect(await accessibilityViolations(raterPage)).toEqual([]);

    await signIn(raterPage, rater);
    await raterPage.getByRole('heading', { name: 'Your tasks' }).waitFor();
    await raterPage.getByRole('heading', { name: 'Everyday customs' }).waitFor();
    await screenshot(raterPage, 'rater-home');
    expect(await accessibilityViolations(raterPage)).toEqual([]);

    await raterPage.getByRole('link', { name: 'Start rating' }).click();
    await raterPage.getByRole('heading', { name: 'Left', exact: true }).waitFor();
    await raterPage.getByRole('heading', { name: 'Right', exact: true }).waitFor();
    const submit = raterPage.getByRole('button', { name: 'Submit' });
    expect(await submit.isDisabled()).toBe(true); // nothing is preselected
    const choices = raterPage.getByRole('group', { name: 'Which response is better?' }).getByRole('button');
    expect(await choices.allTextContents()).toEqual([
      '1Left much better',
      '2Left slightly better',
      '3Tie',
      '4Right slightly better',
      '5Right much better',
    ]);
    await screenshot(raterPage, 'judging-screen');
    expect(await accessibilityViolations(raterPage)).toEqual([]);

    // Narrow screens stack the responses; record it for review.
    await raterPage.setViewportSize({ width: 390, height: 844 });
    await screenshot(raterPage, 'judging-screen-narrow');
    await raterPage.setViewportSize({ width: 1280, height: 900 });

    // Key 1 picks the leftmost position; Submit sends it and the next pair replaces the first.
    const firstPrompt = await raterPage.getByRole('region', { name: 'Prompt' }).textContent();
    await raterPage.keyboard.press('1');
    const leftMuchBetter = raterPage.getByRole('button', { name: 'Left much better' });
    expect(await leftMuchBetter.getAttribute('aria-pressed')).toBe('true');
    await submit.click();
    await expect.poll(() => raterPage.getByRole('region', { name: 'Prompt' }).textContent()).not.toBe(firstPrompt);
    expect(await leftMuchBetter.getAttribute('aria-pressed')).toBe('false'); // a fresh scale for the new pair

    // The admin's counter moves on its own.
    await expect.poll(() => judgmentsCount.textContent()).toBe('1');
    expect(await adminPage.evaluate(() => (globalThis as PageGlobals).sessionMarker)).toBe('kept');
    await screenshot(adminPage, 'admin-task-detail');
    expect(await accessibilityViolations(adminPage)).toEqual([]);

    // Typing in the rationale never picks a choice or submits; outside it, 5 picks the rightmost and Enter submits.
    const rationale = raterPage.getByLabel('Rationale');
    await rationale.fill('');
    await rationale.pressSequentially('2 reasons: accuracy');
    await rationale.press('Enter');
    expect(await raterPage.getByRole('button', { pressed: true }).count()).toBe(0);
    await raterPage.getByRole('heading', { name: 'Right', exact: true }).click(); // focus leaves the textarea
    await raterPage.keyboard.press('5');
    expect(await raterPage.getByRole('button', { name: 'Right much better' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    await raterPage.keyboard.press('Enter');
    // Every pair now has its one judgment.
    await raterPage.getByRole('heading', { name: 'Everyday customs' }).waitFor();
    await raterPage.getByText('This task is complete').waitFor();
    await expect.poll(() => judgmentsCount.textContent()).toBe('2');
    const stored = await app.db.selectFrom('judgments').select(['rationale', 'time_ms']).execute();
    expect(stored).toHaveLength(2);
    expect(stored.map((j) => j.rationale)).toEqual(expect.arrayContaining([null, '2 reasons: accuracy']));
    expect(stored.every((j) => typeof j.time_ms === 'number' && j.time_ms > 0)).toBe(true);

    // A rater who opens an admin address is told so, and still never downloads the admin code.
    await raterPage.goto(`${app.url}/admin/tasks`);
    await raterPage.getByText('This page is for admins').waitFor();
    expect(await raterPage.getByRole('link', { name: 'Tasks', exact: true }).count()).toBe(0);

    // Raters never download the admin code, and neither page threw.
    expect(raterSide.requested.filter((p) => p.includes('admin-routes'))).toEqual([]);
    expect(raterSide.requested.some((p) => p.startsWith('/assets/index-'))).toBe(true);
    // The rater's whole download of code as it travels (the server sends the build's brotli files), and the same
    // files gzip-compressed, the measure of issue #4's 150 KB goal.
    const raterScriptBytes = [...raterSide.scriptBytes.values()].reduce((a, b) => a + b, 0);
    const raterScriptGzip = [...raterSide.scriptBytes.keys()].reduce(
      (sum, file) => sum + statSync(path.join(clientDist, `${file}.gz`)).size,
      0,
    );
    console.log(
      `rater bundle: ${raterSide.scriptBytes.size} scripts, ${(raterScriptBytes / 1000).toFixed(1)} kB over the wire ` +
        `(brotli), ${(raterScriptGzip / 1000).toFixed(1)} kB gzip`,
    );
    expect(raterScriptBytes).toBeGreaterThan(0);
    expect(raterScriptBytes).toBeLessThan(raterScriptGzip); // the compressed files are what was served
    expect(raterScriptBytes).toBeLessThanOrEqual(150_000);
    expect(raterScriptGzip).toBeLessThanOrEqual(150_000);
    expect(adminSide.pageErrors).toEqual([]);
    expect(raterSide.pageErrors).toEqual([]);
  });
});
