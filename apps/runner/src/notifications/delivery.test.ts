/** The notifier against a real HTTP receiver on 127.0.0.1: message shapes, retries, refusals, the queue, secrets. */
import { loadConfig } from '@bot/config';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLog, eventually } from '../testing';
import type { CapturedLog } from '../testing';
import { Notifier } from './notifier';
import type { NotifierTuning } from './notifier';
import { refusedPort, startReceiver } from './receiver';
import type { Answer, Receiver } from './receiver';
import type { Notification } from './messages';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const EXIT: Notification = {
  event: 'exit',
  time: '2026-01-06T09:30:00.000Z',
  text: 'exit BTCUSDC long: stop-loss, PnL -4.20 USDC — "quoted" ✓',
  data: { symbol: 'BTCUSDC', pnl: -4.2 },
};
const FAST: NotifierTuning = { backoff: { initialDelayMs: 20, maxDelayMs: 50 }, random: () => 0.5 };

const receivers: Receiver[] = [];
const notifiers: Notifier[] = [];
afterEach(async () => {
  for (const notifier of notifiers.splice(0)) await notifier.close();
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiver(answer?: (index: number) => Answer, port?: number): Promise<Receiver> {
  const started = await startReceiver(answer, port);
  receivers.push(started);
  return started;
}

function notifier(env: Record<string, string>, log: CapturedLog, tuning: NotifierTuning = FAST): Notifier {
  const created = Notifier.fromConfig(loadConfig({ env }), log.logger, tuning);
  if (!created) throw new Error('no notifier: BOT_NOTIFY_URL missing');
  notifiers.push(created);
  return created;
}

function message(index: number): Notification {
  return { ...EXIT, text: `message ${index}` };
}

describe('notification messages, as each webhook receives them', () => {
  it.each([
    [
      'json',
      {},
      '/hook/abcdef',
      '{"event":"exit","time":"2026-01-06T09:30:00.000Z","text":"exit BTCUSDC long: stop-loss, PnL -4.20 USDC — \\"quoted\\" ✓","data":{"symbol":"BTCUSDC","pnl":-4.2}}',
    ],
    [
      'telegram',
      { BOT_NOTIFY_CHAT_ID: '-1001234567890' },
      `/bot${TOKEN}/sendMessage`,
      '{"chat_id":"-1001234567890","text":"exit BTCUSDC long: stop-loss, PnL -4.20 USDC — \\"quoted\\" ✓"}',
    ],
    [
      'slack',
      {},
      '/services/T000/B000/XXXXXXXX',
      '{"text":"exit BTCUSDC long: stop-loss, PnL -4.20 USDC — \\"quoted\\" ✓"}',
    ],
    [
      'discord',
      {},
      '/api/webhooks/1234/abcdef',
      '{"content":"exit BTCUSDC long: stop-loss, PnL -4.20 USDC — \\"quoted\\" ✓"}',
    ],
  ])('%s: POST %s with exactly the documented body', async (kind, env, path, body) => {
    const target = await receiver();
    const sender = notifier(
      { BOT_NOTIFY_KIND: kind, BOT_NOTIFY_URL: `${target.url}${path}`, ...env },
      captureLog(),
    );
    sender.notify(EXIT);
    await eventually(() => target.requests.length === 1);
    expect(target.requests[0]).toEqual({ method: 'POST', path, contentType: 'application/json', body });
  });

  it("cuts a text to Discord's 2000 and Telegram's 4096 characters", async () => {
    const target = await receiver();
    const long = { ...EXIT, text: 'x'.repeat(5000) };
    notifier({ BOT_NOTIFY_KIND: 'discord', BOT_NOTIFY_URL: `${target.url}/d/abcdef` }, captureLog()).notify(
      long,
    );
    notifier(
      {
        BOT_NOTIFY_KIND: 'telegram',
        BOT_NOTIFY_URL: `${target.url}/bot${TOKEN}/sendMessage`,
        BOT_NOTIFY_CHAT_ID: '42',
      },
      captureLog(),
    ).notify(long);
    await eventually(() => target.requests.length === 2);
    const texts = target.requests
      .map((request) => JSON.parse(request.body) as { content?: string; text?: string })
      .map((body) => body.content ?? body.text ?? '')
      .sort((a, b) => a.length - b.length);
    expect(texts.map((text) => text.length)).toEqual([2000, 4096]);
    for (const text of texts) expect(text.endsWith('x…')).toBe(true);
  });

  it('sends only the configured events', async () => {
    const target = await receiver();
    const sender = notifier(
      { BOT_NOTIFY_URL: `${target.url}/hook/abcdef`, BOT_NOTIFY_EVENTS: 'halt' },
      captureLog(),
    );
    sender.notify(EXIT);
    sender.notify({ ...EXIT, event: 'halt', text: 'trading halted' });
    await eventually(() => target.requests.length === 1);
    await sender.close();
    expect(target.requests.map((request) => (JSON.parse(request.body) as Notification).event)).toEqual([
      'halt',
    ]);
  });
});

describe('delivery', () => {
  it('a receiver that is down (connection refused), then comes up, gets the message after retries', async () => {
    const port = await refusedPort();
    const log = captureLog();
    const sender = notifier({ BOT_NOTIFY_URL: `http://127.0.0.1:${port}/hook/abcdef` }, log);
    sender.notify(EXIT);
    await eventually(() => log.messages().some((line) => line.includes('(ECONNREFUSED); trying again')));
    const target = await receiver(undefined, port);
    await eventually(() => target.requests.length === 1);
    await eventually(() => sender.stats.sent === 1);
    expect(JSON.parse(target.requests[0]?.body ?? '')).toEqual(EXIT);
    expect(log.messages().filter((line) => line.includes('took the message at try'))).toHaveLength(1);
    // One warning for the message, whatever the number of tries.
    expect(log.lines.filter((line) => line.includes('"level":40'))).toHaveLength(1);
  });

  it('tries a 5xx and a 429 again, waiting the Retry-After, and sends in order', async () => {
    const answers: Answer[] = [
      { status: 503 },
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 200 },
      { status: 200 },
    ];
    const target = await receiver((index) => answers[index] ?? { status: 200 });
    const log = captureLog();
    const sender = notifier({ BOT_NOTIFY_URL: `${target.url}/hook/abcdef` }, log);
    sender.notify(message(1));
    sender.notify(message(2));
    await eventually(() => target.requests.length === 4);
    expect(target.requests.map((request) => (JSON.parse(request.body) as Notification).text)).toEqual([
      'message 1',
      'message 1',
      'message 1',
      'message 2',
    ]);
    expect(
      log.messages().some((line) => line.includes('(HTTP 429: {"ok":true}); trying again in 1000 ms')),
    ).toBe(true);
    await eventually(() => sender.stats.sent === 2);
  });

  it('never tries a 400 again: one log line with the status, the next message goes', async () => {
    const target = await receiver(() => ({
      status: 400,
      body: '{"ok":false,"description":"chat not found"}',
    }));
    const log = captureLog();
    const sender = notifier({ BOT_NOTIFY_URL: `${target.url}/hook/abcdef` }, log);
    sender.notify(message(1));
    sender.notify(message(2));
    await eventually(() => sender.stats.failed === 2);
    expect(target.requests.map((request) => (JSON.parse(request.body) as Notification).text)).toEqual([
      'message 1',
      'message 2',
    ]);
    const refusals = log.messages().filter((line) => line.includes('refused a message'));
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toBe(
      `notifications: the json webhook ${target.url} refused a message (HTTP 400: {"ok":false,"description":"chat not found"}); not tried again`,
    );
  });

  it('keeps at most the queue limit, drops the oldest (logged once), and gives up at stop after the flush time', async () => {
    const target = await receiver(() => 'hang');
    const log = captureLog();
    const sender = notifier({ BOT_NOTIFY_URL: `${target.url}/hook/abcdef` }, log, {
      ...FAST,
      queueLimit: 3,
      timeoutMs: 60_000,
      flushMs: 100,
    });
    sender.notify(message(0));
    await eventually(() => target.requests.length === 1); // in flight, never answered
    for (let index = 1; index <= 6; index += 1) sender.notify(message(index));
    expect(sender.stats).toMatchObject({ queued: 3, dropped: 3 });
    expect(log.messages().filter((line) => line.includes('the oldest dropped'))).toHaveLength(1);
    const stats = await sender.close();
    expect(stats).toMatchObject({ sent: 0, dropped: 7, queued: 0 });
    expect(log.messages().some((line) => line.includes('gave up on 4 message(s)'))).toBe(true);
  });

  it('never logs the webhook URL, its path or the Telegram token, even when the webhook echoes them', async () => {
    const path = `/bot${TOKEN}/sendMessage`;
    const target = await receiver((index) =>
      index === 0
        ? { status: 502, body: `upstream failed for ${path}` }
        : { status: 401, body: `{"ok":false,"description":"Unauthorized: ${TOKEN}"}` },
    );
    const log = captureLog();
    const sender = notifier(
      { BOT_NOTIFY_KIND: 'telegram', BOT_NOTIFY_URL: `${target.url}${path}`, BOT_NOTIFY_CHAT_ID: '42' },
      log,
    );
    sender.notify(EXIT);
    await eventually(() => sender.stats.failed === 1);
    await sender.close();
    expect(log.messages().some((line) => line.includes(`the telegram webhook ${target.url} refused`))).toBe(
      true,
    );
    expect(log.lines.join('\n')).toContain('[redacted]');
    for (const line of log.lines) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
    }
  });
});
