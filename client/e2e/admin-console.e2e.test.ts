import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitAck, startTestApp, type TestApp, type TestSocket, type TestUser } from '../../server/test/harness.js';
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

/** Four good rows and one without response_b (line 4 of the file, counting the header). */
const pairsCsv = [
  'external_id,prompt,response_a,response_b,model_a,model_b,tag_topic',
  'c-1,"How should I greet an elder in Nairobi?","Shake hands, support your forearm.","Just say hi.",atlas,baobab,greetings',
  'c-2,"What should I bring to an iftar?","Dates or sweets.","A bottle of wine.",cedar,atlas,food',
  'c-3,"Is it rude to refuse tea?","It can be; accept a little.","Never accept anything.",baobab,cedar,food',
  'c-4,"No second response here","Only A",,atlas,baobab,broken',
  'c-5,"How do families share care for elders?","It varies by culture.","Nobody cares for elders.",atlas,cedar,family',
].join('\n');

async function judgeOnce(
  socket: TestSocket,
  taskId: string,
  extra: { rationale?: string; criteria?: Record<string, number> } = {},
): Promise<void> {
  const next = await emitAck(socket, 'assignment:next', { taskId });
  if (!('assignment' in next)) throw new Error(`expected an assignment, got ${JSON.stringify(next)}`);
  const ack = await emitAck(socket, 'judgment:submit', {
    assignmentId: next.assignment.id,
    key: randomUUID(),
    choice: -1,
    timeMs: 3500,
    ...extra,
  });
  if (!('ok' in ack) || !ack.ok) throw new Error(`submit failed: ${JSON.stringify(ack)}`);
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await accessibilityViolations(page)).toEqual([]);
}

describe('the admin console in a browser', () => {
  it('authors a task, imports a file with a bad line, activates it, previews it and watches raters live', async () => {
    const { page, pageErrors } = await openPage(browser, 'admin-console-task');
    await page.goto(`${app.url}/login`);
    await signIn(page, admin);
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();

    // The form: every setting, the Markdown previewed as it is typed, labels for the points.
    await page.getByRole('link', { name: 'New task' }).click();
    await page.getByRole('heading', { name: 'New task' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Greetings across Africa');
    await page
      .getByLabel('Instructions', { exact: true })
      .fill('Prefer the **respectful** answer.\n\n- local custom\n- <script>alert(1)</script>');
    const preview = page.getByRole('region', { name: 'Preview of what raters see' });
    await preview.locator('strong', { hasText: 'respectful' }).waitFor();
    expect(await preview.locator('script').count()).toBe(0);
    await preview.getByText('<script>alert(1)</script>').waitFor();
    await page.getByLabel('Scale points').fill('3');
    await page.getByLabel('Use my own point labels').check();
    await page.getByLabel('Label of point 2').fill('Equally good');
    await page.getByRole('button', { name: 'Add criterion' }).click();
    await page.getByLabel('Criterion 1 question').fill('Respects the local custom?');
    await page.getByLabel('Judgments per pair', { exact: true }).fill('2');
    await page.getByLabel('Lease seconds').fill('10');
    await page.getByLabel('Countries').fill('KE, ng');
    await page.getByLabel('Rationale', { exact: true }).selectOption('required');
    await page.getByLabel('Rationale minimum length').fill('5');
    await page.getByRole('button', { name: 'Create task' }).click();
    // Errors beside their fields, from the server.
    await page.getByText('must be between 30 and 86400 seconds').waitFor();
    expect(await page.getByLabel('Lease seconds').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'admin-task-form-errors');
    await expectAccessible(page);
    await page.getByLabel('Lease seconds').fill('600');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.getByRole('heading', { name: 'Greetings across Africa' }).waitFor();
    const taskId = new URL(page.url()).pathname.split('/').pop() ?? '';
    await page.getByText('Left better · Equally good · Right better').waitFor();

    // Import: the first rows and the column mapping before sending; the bad line listed and downloadable.
    await page.getByLabel('Pairs file').setInputFiles({
      name: 'pairs.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(pairsCsv),
    });
    await page.getByRole('table', { name: 'The first rows of the file' }).waitFor();
    await page.locator('.column-map').getByText('response B').waitFor();
    await page.getByText('How should I greet an elder in Nairobi?').waitFor();
    await screenshot(page, 'admin-import-preview');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('4 pairs added, none skipped, 1 line rejected.').waitFor();
    await page.getByText('Line 5').waitFor();
    const [rejected] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download rejected lines (CSV)' }).click(),
    ]);
    const rejectedCsv = await readFile(await rejected.path(), 'utf8');
    expect(rejectedCsv).toMatch(/^line,message\r\n5,/);
    await expect.poll(() => page.getByTestId('pairs-count').textContent()).toBe('4');
    await screenshot(page, 'admin-import-result');
    await expectAccessible(page);

    // Preview as rater: a real pair on the judging screen, and nothing recorded.
    await page.getByRole('link', { name: 'Preview as rater' }).click();
    await page.getByRole('heading', { name: 'Preview: Greetings across Africa' }).waitFor();
    await page.getByText('How should I greet an elder in Nairobi?').waitFor();
    await page.getByRole('button', { name: 'Equally good' }).waitFor();
    await screenshot(page, 'admin-preview-as-rater');
    await expectAccessible(page);
    expect(await app.db.selectFrom('assignments').select('id').where('task_id', '=', taskId).execute()).toEqual([]);
    await page.getByRole('link', { name: 'Back to the task' }).click();

    // Activate, then simulated raters judge while the page watches (socket.io, no reload).
    await page.getByRole('button', { name: 'Activate' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    const raters = await Promise.all([
      app.createUser({ country: 'KE' }),
      app.createUser({ country: 'NG' }),
      app.createUser({ country: 'KE' }),
    ]);
    const sockets = await Promise.all(
      raters.map(async (r) => app.socket({ cookie: await app.login(r.email, r.password) })),
    );
    const answer = { rationale: 'Respectful and local.', criteria: { 'criterion-1': 4 } };
    await page.evaluate(() => ((globalThis as unknown as { marker: string }).marker = 'no reload'));
    for (const socket of sockets) await judgeOnce(socket, taskId, answer);
    await expect.poll(() => page.getByTestId('judgments-count').textContent(), { timeout: 10_000 }).toBe('3');
    await expect.poll(() => page.getByTestId('active-raters-count').textContent()).toBe('3');
    await page.getByRole('progressbar', { name: 'Judgments of target' }).waitFor();
    expect(await page.getByRole('progressbar', { name: 'Judgments of target' }).getAttribute('aria-valuemax')).toBe(
      '8',
    );
    await expect.poll(() => page.getByTestId('eta').textContent()).not.toBe('no pace yet');
    const chart = page.getByRole('figure', { name: /Judgments per minute, last 10 minutes: 3 in all/ });
    await chart.waitFor();
    await chart.locator('canvas').first().waitFor();
    for (const socket of sockets.slice(0, 2)) await judgeOnce(socket, taskId, answer);
    await expect.poll(() => page.getByTestId('judgments-count').textContent(), { timeout: 10_000 }).toBe('5');
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe('no reload');
    await screenshot(page, 'admin-live-progress');
    await expectAccessible(page);

    // The overview shows the same live counters for every task.
    await page.getByRole('link', { name: 'Overview' }).click();
    const card = page.getByRole('region', { name: 'Greetings across Africa' });
    await expect.poll(() => card.getByTestId('judgments-count').textContent()).toBe('5');
    await judgeOnce(sockets[2]!, taskId, answer);
    await expect.poll(() => card.getByTestId('judgments-count').textContent(), { timeout: 10_000 }).toBe('6');
    await screenshot(page, 'admin-overview');
    await expectAccessible(page);

    // Exports: format and filters, the row count first, a real download, and the past exports.
    await page.goto(`${app.url}/admin/tasks/${taskId}/exports`);
    await page.getByRole('heading', { name: 'Export Greetings across Africa' }).waitFor();
    await page.getByLabel('Format', { exact: true }).selectOption('annotations');
    await expect.poll(() => page.getByTestId('export-rows').textContent()).toBe('6');
    await page.getByLabel('Rater country').fill('NG');
    await expect.poll(() => page.getByTestId('export-rows').textContent()).toBe('2');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download annotations' }).click(),
    ]);
    const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(download.suggestedFilename()).toBe('greetings-across-africa-annotations.jsonl');
    await page.getByTestId('past-exports').getByText('annotations').waitFor({ timeout: 10_000 });
    await screenshot(page, 'admin-exports');
    await expectAccessible(page);

    // The audit log has all of it.
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    for (const action of ['task.created', 'pairs.imported', 'task.status_changed', 'export.downloaded'])
      await page.getByRole('cell', { name: action }).first().waitFor();
    const [auditCsv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the log (CSV)' }).click(),
    ]);
    expect(await readFile(await auditCsv.path(), 'utf8')).toContain('export.downloaded');
    await screenshot(page, 'admin-audit-log');
    await expectAccessible(page);

    expect(pageErrors).toEqual([]);
  });

  it('invites a rater by link, who sets a password and signs in', async () => {
    const { page, pageErrors } = await openPage(browser, 'admin-console-invite');
    await page.goto(`${app.url}/login`);
    await signIn(page, admin);
    await page.getByRole('link', { name: 'Raters' }).click();
    const inviteCard = page.getByRole('region', { name: 'Invite by link' });
    await inviteCard.getByLabel('Email').fill('wanjiru@example.test');
    await inviteCard.getByLabel('Country').fill('KE');
    await inviteCard.getByLabel('Languages').fill('sw, en');
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = await page.getByLabel('Invitation link').inputValue();
    expect(link).toMatch(new RegExp(`^${app.url}/invite/[A-Za-z0-9_-]{43}$`));
    await page.getByRole('region', { name: 'Invitations' }).getByText('wanjiru@example.test').waitFor();
    await screenshot(page, 'admin-invite');
    await expectAccessible(page);

    // The invitee, in their own browser: no account yet.
    const invitee = await openPage(browser, 'admin-console-invitee');
    await invitee.page.goto(link);
    await invitee.page.getByRole('heading', { name: 'Join Anchor' }).waitFor();
    await invitee.page.getByText('wanjiru@example.test').waitFor();
    await expectAccessible(invitee.page);
    await invitee.page.getByLabel('Display name').fill('Wanjiru Kamau');
    await invitee.page.getByLabel('Password', { exact: true }).fill('a-long-password');
    await invitee.page.getByLabel('Repeat the password').fill('a-long-password');
    await invitee.page.getByRole('button', { name: 'Create account and sign in' }).click();
    await invitee.page.getByRole('heading', { name: 'Your tasks' }).waitFor();
    await invitee.page.getByText('Wanjiru Kamau').waitFor();
    await screenshot(invitee.page, 'invitee-signed-in');
    // The rater's pages never fetched the admin chunk.
    expect(invitee.requested.some((p) => /admin-routes/.test(p))).toBe(false);

    // Later, signed out, the same password works; the link does not work twice.
    await invitee.page.getByRole('button', { name: 'Sign out' }).click();
    await invitee.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(invitee.page, { email: 'wanjiru@example.test', password: 'a-long-password', user: null as never });
    await invitee.page.getByRole('heading', { name: 'Your tasks' }).waitFor();
    const reuse = await openPage(browser, 'admin-console-invite-reuse');
    await reuse.page.goto(link);
    await reuse.page.getByText('This link does not work').waitFor();

    // The admin sees the invitation accepted, and the new rater in the list.
    await page.reload();
    await page.getByRole('region', { name: 'Invitations' }).getByText('accepted').first().waitFor();
    await page.getByRole('link', { name: 'Wanjiru Kamau' }).waitFor();
    expect(pageErrors).toEqual([]);
    expect(invitee.pageErrors).toEqual([]);
  });

  it('filters raters, shows one rater’s figures, and disabling them signs out their open judging page', async () => {
    const task = await app.createTask({ name: 'Disable test', status: 'active', judgmentsPerPair: 2 });
    await app.importPairs(task.id, app.demoPairs(5, { prefix: 'dis' }));
    const rater = await app.createUser({ email: 'baraka@example.test', country: 'TZ', languages: ['sw'] });
    await app.createUser({ email: 'chidi@example.test', country: 'NG', languages: ['ig', 'en'] });
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    await judgeOnce(socket, task.id);
    socket.disconnect();

    // The rater is judging in their browser.
    const raterTab = await openPage(browser, 'admin-console-disabled-rater');
    await raterTab.page.goto(`${app.url}/login`);
    await signIn(raterTab.page, rater);
    await raterTab.page.getByRole('heading', { name: 'Your tasks' }).waitFor();
    await raterTab.page.goto(`${app.url}/rate/${task.id}`);
    await raterTab.page.getByRole('heading', { name: 'Left', exact: true }).waitFor();

    const { page, pageErrors } = await openPage(browser, 'admin-console-raters');
    await page.goto(`${app.url}/login`);
    await signIn(page, admin);
    await page.getByRole('link', { name: 'Raters' }).click();
    await page.getByRole('link', { name: 'chidi' }).waitFor();
    await page.getByLabel('Country code').fill('TZ');
    await expect.poll(() => page.getByRole('link', { name: 'chidi' }).count()).toBe(0);
    await page.getByRole('link', { name: 'baraka' }).waitFor();
    await page.getByLabel('Country code').fill('');
    await page.getByLabel('Language tag').fill('ig');
    await expect.poll(() => page.getByRole('link', { name: 'baraka' }).count()).toBe(0);
    await page.getByLabel('Language tag').fill('');
    await page.getByLabel('Search').fill('bara');
    await expect.poll(() => page.getByRole('link', { name: 'chidi' }).count()).toBe(0);
    await screenshot(page, 'admin-raters-filtered');
    await expectAccessible(page);

    // One rater: figures from the quality module, recent judgments, attributes to edit.
    await page.getByRole('link', { name: 'baraka' }).click();
    await page.getByRole('heading', { name: 'baraka' }).waitFor();
    await page.getByRole('region', { name: 'Recent judgments' }).getByText('Disable test').waitFor();
    await page.getByRole('region', { name: 'Figures across tasks' }).getByText('3.5 s').waitFor();
    await page.getByRole('region', { name: 'Attributes' }).getByLabel('Other attributes').fill('{"region": "coast"}');
    await page.getByRole('button', { name: 'Save attributes' }).click();
    await page.getByText('Saved.').waitFor();
    await screenshot(page, 'admin-rater-detail');
    await expectAccessible(page);

    // Disable: their open page shows they were signed out, at once.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Disable baraka' }).click();
    await page.getByRole('button', { name: 'Enable baraka' }).waitFor();
    await raterTab.page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
    await screenshot(raterTab.page, 'rater-signed-out-after-disable');
    const retry = await app.api('GET', '/api/auth/me', {
      cookie: await raterTab.page
        .context()
        .cookies()
        .then((c) => c.map((x) => `${x.name}=${x.value}`).join('; ')),
    });
    expect(retry.status).toBe(401);
    await page.getByRole('region', { name: 'Admin actions about this person' }).getByText('user.disabled').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
