/**
 * The operator console in a real browser (headless Chromium through playwright-core) against a paper run:
 * the page shows the open position with its stop, its halt button (after its confirmation) halts the real
 * guard, a wrong token is refused, and a page of another origin cannot drive the API. `CONSOLE_SCREENSHOTS=1`
 * also writes the README's screenshots (docs/console-desktop.png, docs/console-phone.png).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import type { PositionView } from '@bot/sim';
import type { Browser, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { startBot } from '../run';
import type { RunningBot } from '../run';
import { advanceMinutes, advanceUntil, captureLog, tempDir, testConfig } from '../testing';

const CHROMIUM = '/usr/bin/chromium';

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/** The README's screenshots: desktop (1280 wide) and phone (390 wide), the whole page. */
async function screenshots(page: Page): Promise<void> {
  const docs = join(import.meta.dirname, '../../docs');
  await page.screenshot({ path: join(docs, 'console-desktop.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(docs, 'console-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('the operator console', () => {
  // `apt-get install -y chromium` gives /usr/bin/chromium (.ci/run installs it).
  it.skipIf(!existsSync(CHROMIUM))(
    'shows the open position with its stop, halts on confirmation, refuses a wrong token and other origins',
    async () => {
      const dir = tempDir();
      const config = testConfig(dir, { BOT_OPERATOR_BIND: `127.0.0.1:${await freePort()}` });
      const log = captureLog();
      const bot: RunningBot = await startBot({
        config,
        logger: log.logger,
        paper: { seed: 42, speed: 'manual' },
      });
      cleanups.push(() => bot.stop());
      const sim = bot.sim!;
      const url = bot.operatorApi!.url;
      const token = readFileSync(join(dir, 'audit.operator-token'), 'utf8').trim();
      await advanceUntil(sim, bot.trader, () => bot.trader.openTrades.length > 0);
      await bot.trader.sweep(); // the liquidation price comes with a sweep
      const [trade] = bot.trader.openTrades;

      const browser = await launch();
      cleanups.push(() => browser.close());
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      const foreignRequests: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('request', (request) => {
        if (!request.url().startsWith(url)) foreignRequests.push(request.url());
      });

      // The shell needs no token; data does. A wrong token is refused and the page says so.
      await page.goto(`${url}/`);
      await page.getByLabel('operator token').fill('f'.repeat(64));
      await page.getByRole('button', { name: 'Connect' }).click();
      await expect
        .poll(() => page.getByTestId('token-problem').textContent(), { timeout: 15_000 })
        .toContain('refused the token (401');
      expect(await page.getByTestId('position').count()).toBe(0);

      await page.getByLabel('operator token').fill(token);
      await page.getByRole('button', { name: 'Connect' }).click();
      const position = page.locator(`[data-testid=position][data-symbol="${trade!.symbol}"]`);
      await position.waitFor({ timeout: 15_000 });
      expect(await position.getByTestId('stop').textContent()).toContain(trade!.stopLossPrice);
      expect(await page.getByTestId('trading-state').textContent()).toBe('active');
      // The history table, from the audit trail: the open trade, with the decision's why.
      const row = page.getByTestId('trade').first();
      await row.waitFor({ timeout: 15_000 });
      expect(await row.textContent()).toContain('breakout');
      if (process.env['CONSOLE_SCREENSHOTS'] === '1') await screenshots(page);

      // Halt asks first: dismissed, nothing happens; accepted, the real guard halts.
      const posts: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST') posts.push(request.url());
      });
      page.once('dialog', (dialog) => void dialog.dismiss());
      await page.getByTestId('cmd-halt').click();
      // A command's request starts in the click's own handler: by the next round trip it would have shown.
      await page.evaluate('new Promise((resolve) => setTimeout(resolve, 0))');
      expect(posts).toEqual([]);
      expect(await page.getByTestId('command-result').textContent()).toBe('');
      expect(bot.trader.guard.tradingState).toBe('active');
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByTestId('cmd-halt').click();
      await expect
        .poll(() => page.getByTestId('trading-state').textContent(), { timeout: 15_000 })
        .toBe('halted');
      expect(posts).toEqual([`${url}/halt`]);
      const status = (await (
        await fetch(`${url}/status`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as { risk: { tradingState: string } };
      expect(status.risk.tradingState).toBe('halted');
      // On the emulator: market time passes and the halted bot opens nothing new.
      const entries = bot.trader.summary().entries;
      const held = new Set((sim.state().positions as PositionView[]).map((view) => view.symbol));
      await advanceMinutes(sim, bot.trader, 60);
      expect(bot.trader.summary().entries).toBe(entries);
      for (const open of sim.state().positions as PositionView[]) expect(held.has(open.symbol)).toBe(true);

      expect(errors).toEqual([]);
      expect(foreignRequests).toEqual([]);

      // A page of another origin (another port of the same host) cannot resume, whatever it holds.
      const other = createServer((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'text/html' });
        response.end('<!doctype html><title>another page</title>');
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise((resolve) => other.close(resolve)));
      const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      await page.goto(`${otherOrigin}/`);
      const attempts = (await page.evaluate(`(async () => {
        const outcome = (promise) => promise.then((response) => 'status ' + response.status, (error) => 'failed: ' + error.name);
        return {
          withToken: await outcome(fetch(${JSON.stringify(`${url}/resume`)}, { method: 'POST', headers: { Authorization: ${JSON.stringify(`Bearer ${token}`)} } })),
          simple: await outcome(fetch(${JSON.stringify(`${url}/resume`)}, { method: 'POST', mode: 'no-cors' })),
          read: await outcome(fetch(${JSON.stringify(`${url}/status`)}, { headers: { Authorization: ${JSON.stringify(`Bearer ${token}`)} } })),
        };
      })()`)) as Record<string, string>;
      // The preflight is refused (so the request never leaves), the simple request is answered 403 (opaque).
      expect(attempts).toEqual({
        withToken: 'failed: TypeError',
        simple: 'status 0',
        read: 'failed: TypeError',
      });
      expect(bot.trader.guard.tradingState).toBe('halted');
      expect(
        log
          .messages()
          .filter((message) =>
            message.includes(`refused: requests from other web pages are refused (Origin: ${otherOrigin})`),
          ).length,
      ).toBeGreaterThanOrEqual(3);
    },
    240_000,
  );
});
