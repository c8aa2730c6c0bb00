/**
 * The playground as a newcomer uses it: Debian's Chromium (driven by playwright-core) opens
 * `/graphql`, presses run on the first example, and sees users from all four providers, with every
 * request to anything but the gateway's own loopback origin blocked and counted: it must work offline.
 *
 * Needs `/usr/bin/chromium` (`.ci/run` installs it with apt-get, and sets REQUIRE_BROWSER=1 so a
 * missing browser fails there instead of skipping).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROVIDER_MODULES } from '../../src/providers/registry.js';
import { SIMULATOR_MODULES } from '../../src/simulators/registry.js';
import { startStack, type Stack } from '../helpers/stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing`);

describe.skipIf(!available)('the GraphiQL playground in a browser, offline', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  const external: string[] = [];
  const local: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage();
    const origin = new URL(stack.url).origin;
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith('data:')) {
        local.push(url);
        return route.continue();
      }
      external.push(url);
      return route.abort('blockedbyclient');
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('loads from the gateway alone, runs the all-providers example and shows every provider', async () => {
    const response = await page.goto(stack.url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toContain('text/html');
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });

    stack.clearRequests();
    await page.click('.graphiql-execute-button');
    // The result pane is a CodeMirror view; its text holds the JSON response.
    const result = page.locator('.result-window');
    const lastAlias = `"${PROVIDER_MODULES.at(-1)!.name.toLowerCase()}"`;
    await expect.poll(async () => (await result.innerText()).includes(lastAlias), { timeout: 20_000 }).toBe(true);
    const text = await result.innerText();
    for (const { typeName } of PROVIDER_MODULES) expect(text).toContain(typeName);
    expect(text).toContain('geralt');
    expect(text).toContain('myusername@example.com');
    expect(text).not.toContain('"errors"');

    // The preset headers reached each provider: one call each.
    for (const { key } of SIMULATOR_MODULES) expect(stack.sims[key].requests(), key).toHaveLength(1);

    expect(external).toEqual([]);
    expect(local.some((url) => url.endsWith('/graphql/playground/graphiql.js'))).toBe(true);
  }, 60_000);

  it('opens with a tab per provider, each with its header preset, and a paged list', async () => {
    const tabs = page.locator('.graphiql-tab');
    await expect.poll(() => tabs.count()).toBe(PROVIDER_MODULES.length + 2);
    const names = (await tabs.allInnerTexts()).join(' ');
    // The tab over every provider first, then one per provider named after its operation, in registry
    // order, then the paged list.
    const operations = PROVIDER_MODULES.map((m) => /query (\w+)/.exec(m.playground.query)![1]!);
    expect(names).toMatch(new RegExp(`All\\w*Providers.*${operations.join('.*')}.*ListUsers`, 's'));
  });
});
