import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Screenshots the browser tests leave for people to look at (git-ignored). */
export const SCREENSHOTS = resolve(__dirname, '..', '..', 'artifacts', 'screenshots');

const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a quiet, reproducible run: no sandbox (containers run as root), no GPU, and nothing
 * that reaches the network or writes state beyond the fresh profile.
 */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's chromium, or CHROMIUM_PATH; `npm test` installs the former first (pretest). */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
  if (!existsSync(path)) {
    throw new Error(
      `Chromium is missing at ${path}. Run the tests with \`npm test\`, which installs Debian's chromium with apt-get when run as root, or install it yourself (apt-get install chromium fonts-liberation), or set CHROMIUM_PATH.`,
    );
  }
  return path;
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium on a fresh profile in a temporary folder, removed on close. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  const profile = mkdtempSync(join(tmpdir(), 'explore-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 900 },
      locale: 'en-US',
      timezoneId: 'UTC',
      acceptDownloads: true,
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/** The screenshot folder, created on first use. */
export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, name);
}
