import { expect, type Page } from '@playwright/test';

export const password = 'crema-demo-2026'; // crema seed-demo's accounts
export const base = () => process.env.CREMA_URL!;

export async function signIn(page: Page, email: string, path = '/app') {
  await page.goto(base() + path);
  await page.getByLabel(/^(Email|البريد الإلكتروني)$/).fill(email);
  await page.getByLabel(/^(Password|كلمة المرور)$/).fill(password);
  await page.getByRole('button', { name: /^(Sign in|دخول)$/ }).click();
}

/** The page's own errors: a CSP violation or an exception fails the test. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 40[13]/.test(m.text()))
      errors.push(m.text());
  });
  return errors;
}

export async function live(page: Page) {
  await expect(page.locator('[data-feed="live"]')).toBeVisible();
}

/** Money as the app shows it in English: the sign isolated for right-to-left text. */
export function usd(n: number): string {
  return '\u2066$\u2069' + n.toFixed(2);
}

/** Money as the English locale writes it ("$12.30") → 12.3 */
export function dollars(text: string): number {
  return Number(text.replace(/[^0-9.]/g, ''));
}
