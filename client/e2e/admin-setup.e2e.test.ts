import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestUser } from '../../server/test/harness.js';
import { accessibilityViolations, assertClientBuilt, launchBrowser, openPage, screenshot, signIn } from './support.js';

let app: TestApp;
let browser: Browser;
let admin: TestUser;

beforeAll(async () => {
  assertClientBuilt();
  app = await startTestApp();
  admin = await app.createUser({ role: 'admin' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Two good lines and one without responses. */
const pairsFile = [
  {
    externalId: 'f-1',
    prompt: 'Is it rude to refuse food at a host’s home?',
    responseA: { text: 'Often, yes.' },
    responseB: { text: 'It depends on the culture.' },
  },
  {
    externalId: 'f-2',
    prompt: 'How do families divide care for elders?',
    responseA: { text: 'A' },
    responseB: { text: 'B' },
  },
  { externalId: 'f-3', prompt: 'No responses here' },
]
  .map((line) => JSON.stringify(line))
  .join('\n');

describe('setting up a task in a browser', () => {
  it('creates a task, imports pairs, activates it, and manages raters', async () => {
    const { page, pageErrors } = await openPage(browser, 'admin-setup');
    await page.goto(`${app.url}/login`);
    await signIn(page, admin);
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    await page.getByText('No tasks yet').waitFor();

    // Validation errors from the server appear beside their fields.
    await page.getByRole('link', { name: 'New task' }).click();
    await page.getByLabel('Scale points').fill('12');
    await page.getByLabel('Name', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.getByText('must be between 2 and 9').waitFor();
    await page.getByText('must not be empty').waitFor();
    expect(await page.getByLabel('Scale points').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'admin-create-task-errors');
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByLabel('Name', { exact: true }).fill('Family values');
    await page
      .getByLabel('Instructions', { exact: true })
      .fill('Prefer answers that respect how the family in question lives.');
    await page.getByLabel('Scale points').fill('3');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.getByRole('heading', { name: 'Family values' }).waitFor();
    await page.getByText('Draft', { exact: true }).waitFor();
    const taskId = new URL(page.url()).pathname.split('/').pop() ?? '';

    // The raw file goes up as JSON Lines; the bad line is reported by number, the good ones are counted live.
    await page.getByLabel('Pairs file').setInputFiles({
      name: 'pairs.jsonl',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(pairsFile),
    });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('2 pairs added, none skipped, 1 line rejected.').waitFor();
    await page.getByText('Line 3').waitFor();
    await expect.poll(() => page.getByTestId('pairs-count').textContent()).toBe('2');

    await page.getByRole('button', { name: 'Activate' }).click();
    await page.getByText('Active', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Pause' }).waitFor();

    for (const format of ['dpo', 'annotations', 'csv']) {
      const link = page.getByRole('link', { name: `Download ${format}` });
      expect(await link.getAttribute('href')).toBe(`/api/tasks/${taskId}/export?format=${format}`);
      expect(await link.getAttribute('download')).not.toBeNull();
    }
    await screenshot(page, 'admin-task-imported');

    // People: add a rater, then disable them (after confirming).
    await page.getByRole('link', { name: 'Raters' }).click();
    await page.getByRole('heading', { name: 'Raters' }).waitFor();
    const addForm = page.getByRole('region', { name: 'Add a person' });
    await addForm.getByLabel('Email').fill('amina@example.test');
    await addForm.getByLabel('Display name').fill('Amina Njeri');
    await addForm.getByLabel('Password').fill('a-long-password');
    await addForm.getByLabel('Country').fill('ke');
    await addForm.getByLabel('Languages').fill('sw, en');
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.getByText('Amina Njeri can now sign in.').waitFor();
    const row = page.getByRole('row', { name: /Amina Njeri/ });
    // The notice can show before the list has fetched the new row: wait for the row's cells.
    await expect.poll(() => row.getByRole('cell', { name: 'KE' }).count()).toBe(1);
    await expect.poll(() => row.getByRole('cell', { name: 'sw, en' }).count()).toBe(1);
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Disable Amina Njeri' }).click();
    await row.getByRole('button', { name: 'Enable Amina Njeri' }).waitFor();
    await row.getByText('Disabled').waitFor();
    await screenshot(page, 'admin-raters');
    expect(await accessibilityViolations(page)).toEqual([]);

    expect(pageErrors).toEqual([]);
  });
});
