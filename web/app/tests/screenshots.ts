// Screenshots of every screen, in English and in Arabic, for docs/app/ (README links them).
// Not part of the test run: `CREMA_SCREENSHOTS=DIR` selects this file (see docs/APP.md).
import { expect, test, type Page } from '@playwright/test';
import { base, live, signIn } from './helpers';

const dir = process.env.CREMA_SCREENSHOTS!;

async function api(page: Page, method: string, path: string, token: string, data?: unknown) {
  const res = await page.request.fetch(`${base()}/api/v1${path}`, {
    method,
    headers: { Authorization: 'Bearer ' + token },
    data,
  });
  expect(res.ok(), `${method} ${path}: ${res.status()} ${await res.text()}`).toBeTruthy();
  return res.status() === 204 ? null : res.json();
}

// A kitchen with work in every column: orders placed, some paid, some moving along.
test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  const login = await page.request.post(`${base()}/api/v1/auth/login`, {
    data: { email: 'barista@crema.demo', password: 'crema-demo-2026' },
  });
  const token = (await login.json()).token;
  const menu = await api(page, 'GET', '/menu', token);
  const products: Record<string, { id: string }> = {};
  for (const c of menu.categories) for (const p of c.items) products[p.name] = p;
  const orders = [
    { type: 'dine-in', table_number: '4', items: [{ product_id: products['Cappuccino'].id, quantity: 2, modifiers: ['oat_milk'] }, { product_id: products['Almond Croissant'].id, quantity: 1 }] },
    { type: 'takeaway', customer_info: { name: 'Layla' }, items: [{ product_id: products['Flat White'].id, quantity: 1, modifiers: ['size_large', 'extra_shot'] }] },
    { type: 'takeaway', customer_info: { name: 'Omar' }, notes: 'no lid', items: [{ product_id: products['Matcha Latte'].id, quantity: 1 }, { product_id: products['Cinnamon Bun'].id, quantity: 2 }] },
    { type: 'dine-in', table_number: '9', items: [{ product_id: products['Mocha'].id, quantity: 1, special_instructions: 'extra hot' }, { product_id: products['Pain au Chocolat'].id, quantity: 1 }] },
    { type: 'takeaway', customer_info: { name: 'Sam' }, items: [{ product_id: products['Espresso'].id, quantity: 1 }, { product_id: products['Baguette'].id, quantity: 1 }] },
    { type: 'dine-in', table_number: '2', items: [{ product_id: products['Chai Latte'].id, quantity: 1 }] },
  ];
  const steps = [[], ['confirmed'], ['confirmed', 'preparing'], ['confirmed', 'preparing'], ['confirmed', 'preparing', 'ready'], []];
  for (let i = 0; i < orders.length; i++) {
    let o = await api(page, 'POST', '/orders', token, orders[i]);
    for (const s of steps[i]) o = await api(page, 'PUT', `/orders/${o.id}/status`, token, { status: s, version: o.version });
  }
  await page.close();
});

for (const lang of ['en', 'ar'] as const) {
  test(`every screen in ${lang}`, async ({ browser }) => {
    const shot = (page: Page, name: string) => page.screenshot({ path: `${dir}/${name}-${lang}.png` });
    const ctx = await browser.newContext();
    await ctx.addInitScript((l) => localStorage.setItem('crema.locale', l), lang);
    const page = await ctx.newPage();
    await page.goto(base() + '/app');
    await expect(page.locator('input[name=email]')).toBeVisible();
    await shot(page, 'sign-in');

    await signIn(page, 'manager@crema.demo', '/app/kitchen');
    await live(page);
    await expect(page.locator('.order-card').first()).toBeVisible();
    await shot(page, 'kitchen');

    await page.goto(base() + '/app/counter');
    await page.getByRole('button', { name: 'Coffee', exact: true }).click();
    await page.locator('.tile').nth(3).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[type=checkbox]').nth(2).check();
    await dialog.locator('input[type=checkbox]').nth(4).check();
    await shot(page, 'counter-options');
    await dialog.locator('button[type=submit]').click();
    await page.getByRole('button', { name: 'Pastries', exact: true }).click();
    await page.locator('.tile').first().click();
    await page.locator('.tile').nth(1).click();
    await page.locator('input[name=order-type]').nth(1).check();
    await page.locator('.ticket input').nth(2).fill('12');
    await shot(page, 'counter');
    await page.locator('.pay-buttons button').first().click();
    await page.locator('.payment input').fill('50');
    await shot(page, 'payment');
    await page.locator('.payment .actions button.primary').click();
    await expect(page.locator('.receipt')).toBeVisible();
    await shot(page, 'receipt');

    await page.goto(base() + '/app/stock');
    await expect(page.locator('table.data tbody tr').first()).toBeVisible();
    await page.locator('tr[data-item="Whole milk"] button').click();
    await shot(page, 'stock');

    await page.goto(base() + '/app/dashboard');
    await expect(page.locator('canvas').first()).toBeVisible();
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${dir}/dashboard-${lang}.png`, fullPage: true });
    await ctx.close();

    const customer = await browser.newContext();
    await customer.addInitScript((l) => localStorage.setItem('crema.locale', l), lang);
    const cpage = await customer.newPage();
    await signIn(cpage, 'customer@crema.demo', '/app/kitchen');
    await expect(cpage.locator('.refused')).toBeVisible();
    await cpage.screenshot({ path: `${dir}/refused-${lang}.png` });
    await customer.close();
  });
}
