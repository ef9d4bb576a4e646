// Browser tests of the staff app (ctest `web_app`): Playwright's test runner driving Debian's
// Chromium (scripts/deps.sh test installs /usr/bin/chromium; Playwright downloads no browser),
// against a real `crema` on SQLite that tests/global-setup.ts starts with the demo café.
import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

const chromium = process.env.CREMA_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  throw new Error(`${chromium} is missing: install Debian's chromium (scripts/deps.sh test)`);
}

export default defineConfig({
  testDir: './tests',
  // CREMA_SCREENSHOTS=DIR: the screenshots for the docs instead of the tests.
  testMatch: process.env.CREMA_SCREENSHOTS ? /screenshots\.ts/ : /.*\.spec\.ts/,
  globalSetup: './tests/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: process.env.CREMA_PW_OUT || 'test-results',
  use: {
    viewport: { width: 1280, height: 800 }, // a 10-inch tablet in landscape
    launchOptions: {
      executablePath: chromium,
      // As root and on a machine without outside network: no sandbox, no background traffic.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
