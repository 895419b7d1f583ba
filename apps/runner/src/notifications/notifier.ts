import type { AuditTrail, RationaleInput } from '@bot/audit';
import { TELEGRAM_SEND_MESSAGE_PATH } from '@bot/config';
import type { BotConfig, NotificationEvent } from '@bot/config';
import type { Logger } from '../logger';
import { WebhookDelivery } from './delivery';
import type { DeliveryStats, DeliveryTuning } from './delivery';
import { messageBody } from './messages';
import type { Notification } from './messages';
import { RecordReader } from './records';

/** Where the run stands, read for the daily summary (the trader's `progress()` and `summary()`). */
export interface DayFigures {
  /** Close time of the latest candle handled (epoch ms): the market's clock. */
  readonly marketTime: number;
  readonly equity: number | undefined;
  readonly entries: number;
  readonly closes: number;
  readonly wins: number;
  readonly realizedPnl: number;
}

export interface NotifierTuning extends DeliveryTuning {
  /** How long a stop waits for queued messages (default 3 000 ms). */
  readonly flushMs?: number;
  /** How often the market day is checked for the daily summary (default every second). */
  readonly dayCheckMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * The parts of a webhook URL that are its credential, to mask wherever they could be printed: the URL, its
 * path (Slack's and Discord's hook secret) and Telegram's bot token. Parts shorter than 6 characters are
 * left out, as the logger leaves them (they would mask ordinary words).
 */
export function notificationSecrets(url: string): string[] {
  const pieces = [url];
  if (URL.canParse(url)) {
    const parsed = new URL(url);
    pieces.push(`${parsed.pathname}${parsed.search}`);
    const token = TELEGRAM_SEND_MESSAGE_PATH.exec(parsed.pathname)?.[1];
    if (token !== undefined) pieces.push(token, decodeURIComponent(token));
  }
  return [...new Set(pieces)].filter((piece) => piece.length >= 6);
}

/**
 * Tells a webhook what the bot does. It reads the audit trail as records are appended (`watch`), so the
 * trading code has no notification calls, and hands the messages to a background delivery that the
 * trading loop never waits on. The daily summary follows the market's clock (`followDays`).
 */
export class Notifier {
  readonly #config: BotConfig['notifications'];
  readonly #events: ReadonlySet<NotificationEvent>;
  readonly #logger: Logger;
  readonly #reader: RecordReader;
  readonly #delivery: WebhookDelivery;
  readonly #flushMs: number;
  readonly #dayCheckMs: number;
  readonly #quote: string;
  #dayTimer: NodeJS.Timeout | undefined;
  #day: { readonly index: number; readonly start: DayFigures } | undefined;

  /** A notifier for the config's webhook; `undefined` when no `BOT_NOTIFY_URL` is set. */
  static fromConfig(config: BotConfig, logger: Logger, tuning: NotifierTuning = {}): Notifier | undefined {
    const url = config.notifications.url?.reveal();
    return url === undefined ? undefined : new Notifier(config, url, logger, tuning);
  }

  private constructor(config: BotConfig, url: string, logger: Logger, tuning: NotifierTuning) {
    this.#config = config.notifications;
    this.#events = new Set(config.notifications.events);
    this.#logger = logger;
    this.#quote = config.quoteCoin;
    this.#reader = new RecordReader(config.quoteCoin);
    this.#flushMs = tuning.flushMs ?? 3_000;
    this.#dayCheckMs = tuning.dayCheckMs ?? 1_000;
    const secrets = notificationSecrets(url);
    const redact = (text: string) =>
      secrets.reduce((masked, secret) => masked.split(secret).join('[redacted]'), text);
    // The log names the webhook by its origin: the host is no secret, the path is.
    const target = `${config.notifications.kind} webhook ${URL.canParse(url) ? new URL(url).origin : '[redacted]'}`;
    this.#delivery = new WebhookDelivery({ ...tuning, url, target, logger, redact });
    logger.info(
      { notifications: { kind: this.#config.kind, events: this.#config.events } },
      `notifications: ${this.#config.events.join(', ')} to the ${target}`,
    );
  }

  get stats(): DeliveryStats {
    return this.#delivery.stats;
  }

  /** Queues a notification if its event is configured; returns at once. */
  notify(notification: Notification): void {
    if (!this.#events.has(notification.event)) return;
    this.#delivery.send(messageBody(this.#config.kind, notification, this.#config.chatId));
  }

  /**
   * The trail as the trader uses it, every append also read for a notification once it is written. The
   * append's own promise is returned untouched: a notification never delays or fails a record.
   */
  watch(audit: AuditTrail): AuditTrail {
    const observe = (read: () => Notification | undefined) => {
      try {
        const notification = read();
        if (notification) this.notify(notification);
      } catch (error) {
        this.#logger.debug({ err: error }, 'notifications: a record could not be read for a notification');
      }
    };
    const now = () => new Date().toISOString();
    return new Proxy(audit, {
      get: (target, property) => {
        if (property === 'append') {
          return (kind: string, payload: unknown) => {
            const appended = target.append(kind, payload);
            appended.then(
              () => observe(() => this.#reader.append(kind, payload, now())),
              () => undefined,
            );
            return appended;
          };
        }
        if (property === 'appendRationale') {
          return (input: RationaleInput) => {
            const appended = target.appendRationale(input);
            appended.then(
              () => observe(() => this.#reader.rationale(input, now())),
              () => undefined,
            );
            return appended;
          };
        }
        // The trail keeps its state in private fields: its methods and getters must run on the trail itself.
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /**
   * Sends a summary of each market day (UTC) once the market's clock passes midnight: entries, closes,
   * PnL and fees of the trades closed that day, and the equity then. The first day counts from the start.
   */
  followDays(figures: () => DayFigures): void {
    this.#dayTimer = setInterval(() => this.#checkDay(figures()), this.#dayCheckMs);
    this.#dayTimer.unref();
  }

  #checkDay(now: DayFigures): void {
    if (now.marketTime <= 0) return;
    const index = Math.floor(now.marketTime / DAY_MS);
    const day = this.#day;
    if (day === undefined) {
      this.#day = { index, start: now };
      this.#reader.takeFees();
      return;
    }
    if (index <= day.index) return;
    this.#day = { index, start: now };
    const { start } = day;
    const date = new Date(day.index * DAY_MS).toISOString().slice(0, 10);
    const entries = now.entries - start.entries;
    const closes = now.closes - start.closes;
    const wins = now.wins - start.wins;
    const pnl = now.realizedPnl - start.realizedPnl;
    const fees = this.#reader.takeFees();
    const quote = this.#quote;
    const equity = now.equity === undefined ? 'n/a' : `${now.equity.toFixed(2)} ${quote}`;
    this.notify({
      event: 'daily-summary',
      time: new Date().toISOString(),
      text: `daily summary ${date} (UTC, market time): ${entries} entr${entries === 1 ? 'y' : 'ies'}, ${closes} closed (${wins} won), PnL ${pnl >= 0 ? '+' : ''}${pnl.toFixed(2)} ${quote}, fees ${fees.toFixed(2)} ${quote}, equity ${equity}`,
      data: { date, entries, closes, wins, pnl, fees, equity: now.equity ?? null, quote },
    });
  }

  /** Stops the daily summary and waits (bounded) for queued messages to go. */
  close(): Promise<DeliveryStats> {
    clearInterval(this.#dayTimer);
    return this.#delivery.close(this.#flushMs);
  }
}
