// Headless Debian chromium driven by playwright-core (never a browser download): a fresh profile per launch, and
// the dashboard's login done the way a person does it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (test/support/install-deps.sh does, as root)`,
    );
}

export async function launchBrowser(): Promise<Browser> {
  requireChromium();
  const profile = mkdtempSync(join(tmpdir(), `sdnt-${process.pid}-chromium-`));
  // launchPersistentContext is playwright's way to pass --user-data-dir: a fresh, throwaway profile.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
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
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the dashboard and logs in with `token`; resolves once the nav bar is there. */
export async function login(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/dashboard/`);
  await page.fill('#token', token);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('nav a[data-page=overview]');
}
