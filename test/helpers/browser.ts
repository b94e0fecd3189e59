import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium, as `.ci/run` installs it. */
export const chromiumPath = process.env.CCAG_TEST_CHROMIUM ?? '/usr/bin/chromium';
/** Why browser tests are skipped, or false when they run. */
export const noBrowser: string | false = existsSync(chromiumPath) ? false : `${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;

/** Screenshots of a test run go here (git-ignored), to be looked at. */
export const screenshotDir = join(import.meta.dirname, '..', '..', 'test-output', 'portal');

export interface TestBrowser {
  context: BrowserContext;
  /** Console errors and CSP violations seen on any page, for "the page runs cleanly" assertions. */
  problems: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Headless chromium at 1280×800 with a fresh profile, downloads allowed. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'ccag-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  return {
    context,
    problems,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A screenshot of the whole page in a 1280×800 window, named after the page, in test-output/portal/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
