/** The daily summary on the market's clock, and the webhook's secrets in the runner's masked values. */
import { loadConfig } from '@bot/config';
import { afterEach, describe, expect, it } from 'vitest';
import { configSecrets } from '../run';
import { captureLog, eventually } from '../testing';
import type { Notification } from './messages';
import { Notifier } from './notifier';
import type { DayFigures } from './notifier';
import { startReceiver } from './receiver';
import type { Receiver } from './receiver';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const receivers: Receiver[] = [];
const notifiers: Notifier[] = [];
afterEach(async () => {
  for (const notifier of notifiers.splice(0)) await notifier.close();
  for (const receiver of receivers.splice(0)) await receiver.close();
});

describe('the notifier', () => {
  it('sends a daily summary once the market clock passes 00:00 UTC, for the day that ended', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const config = loadConfig({ env: { BOT_NOTIFY_URL: `${receiver.url}/hook/abcdef` } });
    const notifier = Notifier.fromConfig(config, captureLog().logger, { dayCheckMs: 5 });
    if (!notifier) throw new Error('no notifier');
    notifiers.push(notifier);
    const day = Date.parse('2026-01-06T00:00:00Z');
    let figures: DayFigures = {
      marketTime: day + 3_600_000,
      equity: 1000,
      entries: 1,
      closes: 1,
      wins: 0,
      realizedPnl: -2,
    };
    let reads = 0;
    const readOnce = async () => {
      const before = reads;
      await eventually(() => reads > before);
    };
    notifier.followDays(() => {
      reads += 1;
      return figures;
    });
    // The day's start is read, then the day's trades happen, then the clock passes midnight.
    await readOnce();
    figures = {
      ...figures,
      marketTime: day + 20 * 3_600_000,
      entries: 3,
      closes: 3,
      wins: 2,
      realizedPnl: 10.5,
    };
    await readOnce();
    expect(receiver.requests).toHaveLength(0);
    figures = { ...figures, marketTime: day + 86_400_000 + 59_999, equity: 1012.5 };
    await eventually(() => receiver.requests.length === 1);
    const summary = JSON.parse(receiver.requests[0]?.body ?? '') as Notification;
    expect(summary.event).toBe('daily-summary');
    expect(summary.text).toBe(
      'daily summary 2026-01-06 (UTC, market time): 2 entries, 2 closed (2 won), PnL +12.50 USDC, fees 0.00 USDC, equity 1012.50 USDC',
    );
    expect(summary.data).toMatchObject({ date: '2026-01-06', entries: 2, closes: 2, wins: 2, pnl: 12.5 });
  });

  it("puts the webhook URL, its path and Telegram's token among the values the log and the trail mask", () => {
    const url = `https://api.telegram.org/bot${TOKEN}/sendMessage`;
    const config = loadConfig({
      env: { BOT_NOTIFY_KIND: 'telegram', BOT_NOTIFY_URL: url, BOT_NOTIFY_CHAT_ID: '42' },
    });
    expect(configSecrets(config)).toEqual(expect.arrayContaining([url, `/bot${TOKEN}/sendMessage`, TOKEN]));
  });
});
