/**
 * Real headless Chromium (Debian's `chromium`) driven by playwright-core, for the web page's
 * end-to-end tests. Each launch gets a fresh profile directory and no network beyond what the test
 * serves locally.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './cli.js';

/** Debian's Chromium. */
export const chromiumPath = '/usr/bin/chromium';

/** Where tests keep what a person may want to look at afterwards (screenshots); ignored by git. */
export const artifactsDir = join(repoRoot, 'test-artifacts');

/** The flags for a quiet, offline, sandbox-less headless Chromium (the sandbox needs privileges CI containers lack). */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export function chromiumInstalled(): boolean {
  return existsSync(chromiumPath);
}

/**
 * Guards a test that needs Chromium: true when it is installed. When it is missing, fails the test
 * in CI (`CI=true`) and otherwise skips it and returns false.
 */
export function requireChromium(t: TestContext): boolean {
  if (chromiumInstalled()) return true;
  if (process.env.CI === 'true') {
    throw new Error(`chromium is not installed at ${chromiumPath} (CI=true: a missing tool is a failure, not a skip)`);
  }
  t.skip('chromium not installed');
  return false;
}

export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new tab that records console errors and uncaught exceptions in `problems`. */
  newPage(): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh temporary profile (`--user-data-dir`), removed again by `close()`. */
export async function launchBrowser(options: { viewport?: { width: number; height: number }; javaScriptEnabled?: boolean } = {}): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'repogate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [...chromiumArgs],
    viewport: options.viewport ?? { width: 1280, height: 900 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      return { page, problems };
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as `test-artifacts/<name>.png` and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
