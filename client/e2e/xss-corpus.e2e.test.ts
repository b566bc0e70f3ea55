import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PairInput } from '@anchor/shared';
import { startTestApp, type TestApp, type TestUser } from '../../server/test/harness.js';
import { assertClientBuilt, launchBrowser, openPage, screenshot, signIn } from './support.js';

/**
 * Model output is untrusted: a response may hold a script, event handlers, `javascript:` links, SVG and CSS tricks.
 * The judging screen (Markdown rendered by client/src/features/rating/markdown.tsx) must show all of it as inert
 * text. This test puts a corpus of such payloads into a task's instructions, prompts and responses, judges through it
 * in a real browser, and checks: no dialog opened, no payload ran (`window.__xss`), no console error, no request
 * left this server, and the rendered DOM holds no event-handler attribute, no foreign <script>, no dangerous URL,
 * no <iframe>/<object>/<embed>/<style>/<base>/<meta>. Then it checks the Content-Security-Policy itself blocks an inline
 * handler injected past React, as a second wall.
 */
const CORPUS = [
  '<script>window.__xss=1</script>',
  '"><script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=1">',
  '<img src="https://evil.example/pixel.png">',
  '<svg onload="window.__xss=1"><script>window.__xss=1</script></svg>',
  '<svg><animate onbegin="window.__xss=1" attributeName="x" dur="1s"/></svg>',
  '<svg><use href="data:image/svg+xml,&lt;svg id=x onload=window.__xss=1&gt;"/></svg>',
  '<iframe src="javascript:window.__xss=1"></iframe>',
  '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
  '<object data="javascript:window.__xss=1"></object>',
  '<embed src="javascript:window.__xss=1">',
  '<a href="javascript:window.__xss=1">a javascript: anchor</a>',
  '[a javascript: link](javascript:window.__xss=1)',
  '[a spaced link]( javascript:window.__xss=1 )',
  '[an entity link](&#106;avascript:window.__xss=1)',
  '[a JaVaScRiPt link](JaVaScRiPt:window.__xss=1)',
  '[a data link](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)',
  '[a vbscript link](vbscript:msgbox(1))',
  '[ref link][evil]\n\n[evil]: javascript:window.__xss=1',
  '![an image](https://evil.example/image.png)',
  '![x](x" onerror="window.__xss=1)',
  '<div style="background:url(https://evil.example/bg.png)">a styled div</div>',
  '<style>body{background:url(https://evil.example/style.png)}</style>',
  '<link rel="stylesheet" href="https://evil.example/x.css">',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>',
  '<details open ontoggle="window.__xss=1">details</details>',
  '<body onload="window.__xss=1">',
  '<form action="javascript:window.__xss=1"><button formaction="javascript:window.__xss=1">go</button></form>',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">',
  '<base href="https://evil.example/">',
  '<noscript><p title="</noscript><img src=x onerror=window.__xss=1>">',
  '<x onmouseover="window.__xss=1">hover me</x>',
  '<video><source onerror="window.__xss=1"></video>',
  '<a href="https://evil.example" ping="https://evil.example/ping">a ping link</a>',
  '{{constructor.constructor("window.__xss=1")()}}',
  '${window.__xss=1}',
  '`<img src=x onerror=window.__xss=1>` in code, and\n\n```html\n<script>window.__xss=1</script>\n```',
  '@import url(https://evil.example/a.css);',
  'Right-to-left override: \u202Eevil.exe\u202C, and zero-width: a\u200Bb',
];
const text = CORPUS.join('\n\n');

let app: TestApp;
let browser: Browser;
let rater: TestUser;

beforeAll(async () => {
  assertClientBuilt();
  app = await startTestApp();
  rater = await app.createUser({ role: 'rater' });
  const task = await app.createTask({
    name: 'Hostile output <script>window.__xss=1</script>',
    instructions: `Judge these.\n\n${text}`,
    status: 'active',
    judgmentsPerPair: 1,
    scale: { points: 5 },
  });
  const pairs: PairInput[] = [
    {
      externalId: 'xss-text',
      prompt: text,
      responseA: { text },
      responseB: { text: CORPUS.slice().reverse().join('\n\n') },
    },
    {
      externalId: 'xss-conversation',
      prompt: [
        { role: 'system', content: text },
        { role: 'user', content: CORPUS.join('\n') },
      ],
      responseA: { text: CORPUS.join(' ') },
      responseB: { text },
    },
  ];
  await app.importPairs(task.id, pairs);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Everything in the rendered DOM that could run code, load something, or navigate somewhere it should not. */
async function dangerousDom(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const bad = /^\s*(javascript|data|vbscript):/i;
    // The DOM types are not in this file's compiler settings: the little that is used, declared here.
    interface El {
      tagName: string;
      attributes: ArrayLike<{ name: string; value: string }>;
      getAttribute(name: string): string | null;
      closest(selector: string): unknown;
      textContent: string | null;
    }
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }).document;
    // Everything in the body, and every script anywhere (the head holds only the app's own tags, such as its icon).
    for (const el of [
      ...Array.from(doc.querySelectorAll('body *')),
      ...Array.from(doc.querySelectorAll('head script')),
    ]) {
      const tag = el.tagName.toLowerCase();
      for (const attr of Array.from(el.attributes)) {
        if (attr.name.toLowerCase().startsWith('on')) problems.push(`<${tag} ${attr.name}>`);
        if (
          ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'ping', 'background'].includes(
            attr.name.toLowerCase(),
          )
        ) {
          if (bad.test(attr.value)) problems.push(`<${tag} ${attr.name}="${attr.value.slice(0, 40)}">`);
          if (attr.name === 'srcdoc' || attr.name === 'ping') problems.push(`<${tag} ${attr.name}>`);
        }
        if (attr.name === 'style' && /url\(|expression\(|@import/i.test(attr.value))
          problems.push(`<${tag} style="${attr.value.slice(0, 40)}">`);
      }
      if (
        ['iframe', 'object', 'embed', 'base', 'frame', 'frameset', 'applet', 'video', 'audio', 'img', 'math'].includes(
          tag,
        )
      ) {
        problems.push(`<${tag}>`);
      }
      if (tag === 'meta' && el.getAttribute('http-equiv')) problems.push('<meta http-equiv>');
      if (tag === 'style' && el.closest('body')) problems.push('<style> in the body');
      if (tag === 'link' && el.closest('body')) problems.push('<link> in the body');
      if (tag === 'script') {
        const src = el.getAttribute('src') ?? '';
        if (!src.startsWith('/assets/')) problems.push(`<script src="${src}">${(el.textContent ?? '').slice(0, 40)}`);
      }
      if (tag === 'a') {
        const href = el.getAttribute('href') ?? '';
        if (href && !/^(https?:|mailto:|\/|#)/i.test(href)) problems.push(`<a href="${href.slice(0, 40)}">`);
        if (
          /^https?:/i.test(href) &&
          el.getAttribute('target') === '_blank' &&
          !/noopener/.test(el.getAttribute('rel') ?? '')
        )
          problems.push(`<a target=_blank without noopener>`);
      }
    }
    return problems;
  });
}

describe('hostile model output in the judging screen', () => {
  it('is shown as inert text: nothing runs, nothing loads from elsewhere, no dangerous markup in the DOM', async () => {
    const { page, pageErrors } = await openPage(browser, 'xss-corpus');
    const dialogs: string[] = [];
    const consoleErrors: string[] = [];
    const foreign: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      // The app's own "not signed in yet" probe (GET /api/auth/me → 401) is logged by Chromium; anything else counts,
      // CSP violations included.
      if (message.type() === 'error' && !/status of 401/.test(message.text())) consoleErrors.push(message.text());
    });
    page.on('request', (request) => {
      const { hostname, protocol } = new URL(request.url());
      if (!(protocol === 'data:' || hostname === '127.0.0.1' || hostname === 'localhost')) foreign.push(request.url());
    });

    await page.goto(app.url);
    await signIn(page, rater);
    await page.getByRole('link', { name: 'Start rating' }).click();
    await page.getByRole('heading', { name: 'Left', exact: true }).waitFor();
    await page.getByText('<script>window.__xss=1</script>', { exact: false }).first().waitFor();
    const inspect = async (which: string) => {
      await page.mouse.move(400, 400);
      await page.mouse.wheel(0, 2000);
      await page.waitForTimeout(300);
      expect(await page.evaluate('window.__xss'), which).toBeUndefined();
      expect(await dangerousDom(page), which).toEqual([]);
      // The payloads are there, as the literal text the model wrote.
      const body = (await page.textContent('body')) ?? '';
      expect(body, which).toContain('onerror="window.__xss=1"');
      expect(body, which).toContain('javascript:window.__xss=1');
    };
    await inspect('first pair');
    await screenshot(page, 'xss-corpus');

    // Judge it (key 1 picks a side, Submit sends it) and look at the second pair, a conversation.
    const first = await page.getByRole('region', { name: 'Prompt' }).textContent();
    await page.keyboard.press('1');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Prompt' }).textContent(), { timeout: 15_000 })
      .not.toBe(first);
    await inspect('second pair');

    expect(dialogs).toEqual([]);
    expect(pageErrors.map((e) => e.message)).toEqual([]);
    expect(consoleErrors, consoleErrors.join('\n')).toEqual([]);
    expect(foreign).toEqual([]);

    // Defence in depth: an inline handler that got past React anyway is blocked by the CSP (script-src-attr 'none').
    await page.evaluate(`(() => {
      document.body.insertAdjacentHTML('beforeend', '<img id="csp-probe" src="/nothing-here.png" onerror="window.__csp=1">');
      const s = document.createElement('script');
      s.textContent = 'window.__csp = 2';
      document.body.append(s);
    })()`);
    await page.waitForTimeout(500);
    expect(await page.evaluate('window.__csp')).toBeUndefined();
  });
});
