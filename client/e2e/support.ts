import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AxeResults } from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { onTestFailed } from 'vitest';
import type { TestUser } from '../../server/test/harness.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const screenshots = path.join(repoRoot, 'test-results', 'screenshots');
const axeScript = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The server serves client/dist, so a browser test needs the built client (`npm test` builds it first). */
export function assertClientBuilt(): void {
  if (!existsSync(path.join(repoRoot, 'client', 'dist', 'index.html'))) {
    throw new Error(
      'client/dist is missing: run `npm run build -w client` (npm test builds it) before the browser tests.',
    );
  }
}

/** Debian's chromium, never a downloaded browser. */
export function launchBrowser(): Promise<Browser> {
  mkdirSync(screenshots, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface TestPage {
  page: Page;
  /** Uncaught errors thrown in the page. */
  pageErrors: Error[];
  /** Paths of every request the page made. */
  requested: string[];
  /** Bytes on the wire (the encoded body) of each script the page loaded, by path. */
  scriptBytes: Map<string, number>;
}

/** A fresh browser profile; if the test fails, its page is captured as `failure-<name>.png` for diagnosis. */
export async function openPage(browser: Browser, name: string): Promise<TestPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const pageErrors: Error[] = [];
  const requested: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  const scriptBytes = new Map<string, number>();
  page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  page.on('requestfinished', (request) => {
    if (request.resourceType() !== 'script') return;
    const file = new URL(request.url()).pathname;
    // A later load from the browser's cache reports 0 bytes: keep the first download's size.
    void request
      .sizes()
      .then((sizes) => scriptBytes.set(file, Math.max(scriptBytes.get(file) ?? 0, sizes.responseBodySize)))
      .catch(() => undefined);
  });
  onTestFailed(() => screenshot(page, `failure-${name}`));
  return { page, pageErrors, requested, scriptBytes };
}

/** Fills the sign-in page the app has sent the browser to. */
export async function signIn(page: Page, user: TestUser): Promise<void> {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

/** Serious and critical WCAG problems axe-core finds on the page as it is now. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the app's CSP (script-src 'self') does not govern; a script tag would
  // be inline script and is refused.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(readFileSync(axeScript, 'utf8'));
  const violations = await page.evaluate(async () => {
    const { axe } = globalThis as unknown as { axe: { run: () => Promise<AxeResults> } };
    const results = await axe.run();
    return results.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${JSON.stringify(v.targets)}`);
}
