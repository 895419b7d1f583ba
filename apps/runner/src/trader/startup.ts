import { RiskGuard } from '@bot/risk';
import pLimit from 'p-limit';
import { toExchangeId } from '@bot/symbols';
import { reviewAccount, sweepAccount } from './account-watch';
import { liveAlgoOrders, liveOrders } from './account-state';
import { settingsRestore } from './entries';
import type { TraderContext } from './context';
import { dropEntriesNeverFilled } from './late-entries';
import { reconcileSymbols } from './protection';
import { ownFills } from './settlement';

export class UnknownSymbolError extends Error {
  override readonly name = 'UnknownSymbolError';
}

export async function checkSymbols(context: TraderContext): Promise<void> {
  const { config } = context;
  const instruments = await context.exchange.instruments();
  const known = new Set<string>(instruments.map((instrument) => instrument.symbol));
  const unknown = config.symbols.filter((symbol) => !known.has(symbol));
  if (unknown.length > 0) {
    const quoted = instruments
      .map((instrument) => instrument.symbol)
      .filter((symbol) => symbol.endsWith(`/${config.quoteCoin}:${config.settleCoin}`))
      .slice(0, 20);
    throw new UnknownSymbolError(
      `unknown symbol${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: not a trading ${config.quoteCoin}-margined perpetual on this exchange. ` +
        `Available: ${quoted.join(', ')}${quoted.length === 20 ? ', …' : ''}`,
    );
  }
}

export function restoreGuard(context: TraderContext): void {
  const { options, config } = context;
  const saved = options.freshState ? { guard: undefined, trades: [] } : options.state.load();
  const settings = { tier: config.strategy.tier, limits: config.risk };
  context.guard = saved.guard ? RiskGuard.restore(saved.guard, settings) : new RiskGuard(settings);
  for (const trade of saved.trades) context.trades.set(trade.symbol, trade);
  for (const dropped of saved.droppedEntries ?? []) context.droppedEntries.set(dropped.trade.symbol, dropped);
  const status = context.guard.status();
  context.log.info(
    { risk: status, trades: saved.trades.length },
    saved.guard
      ? `risk state restored from ${options.state.path}: ${status.tradingState}, stop-loss streak ${status.stopLossStreak}, day's realized PnL ${status.realizedPnl}`
      : options.freshState
        ? 'a new emulator account: the risk state starts fresh'
        : 'no saved risk state: starting a fresh guard',
  );
}

/**
 * The whole account read once, then: the bot's own trades reconciled (a bare position gets its stop first),
 * positions it did not open given the configured policy, and trades that closed while it was away settled
 * (and counted) — closes still owed from before a crash included.
 */
export async function reconcileAtStart(context: TraderContext): Promise<void> {
  await sweepAccount(context, 'start-up sweep');
  // A trade whose position went flat while the bot was away, on a symbol where the user has opened the same
  // side since, still looks open: its own fills tell. Its close is then owed (and the new position is a
  // foreign one, given the policy by the review below).
  for (const trade of [...context.trades.values()]) {
    const held = context.account.positions.get(trade.symbol);
    if (trade.closing !== undefined || !held || held.side !== trade.side) continue;
    const fills = await context.exchange.fetchFills(trade.symbol, { since: trade.openedAt });
    if (!ownFills(fills, trade).flat) continue;
    context.trades.set(trade.symbol, { ...trade, closing: { since: context.now(), reason: undefined } });
    await context.saveState();
  }
  await dropEntriesNeverFilled(context);
  const own = [...context.trades.keys()];
  const actions = own.length > 0 ? await reconcileSymbols(context, own, 'reconcile at start') : [];
  await reviewAccount(context);
  await context.saveState();
  context.log.info(
    { actions: actions.length, open: context.trades.size },
    `reconciled with the exchange: ${actions.length} action(s), ${context.trades.size} open trade(s) watched`,
  );
}

/** How many symbols' settings requests run at once at start (the executor's weight gate still paces them). */
const SYMBOLS_CONFIGURED_AT_ONCE = 8;

/**
 * Each symbol's leverage and margin mode set to the configured ones at start, from what the start-up sweep
 * read, so the first entry of each symbol does not wait for two more round trips (and a durable record)
 * before it leaves. Only symbols with no position and no open order: Binance refuses a margin-mode change
 * then (-4047, -4048), and the settings of a position already open are not the start's to change. Every
 * symbol's `settings.restore` record is made durable by one flush before any request leaves; then the
 * symbols run `SYMBOLS_CONFIGURED_AT_ONCE` at a time, each its two requests in order. A refusal is logged
 * and left to the entry, which sets them or denies as it would have; records that cannot be made durable
 * change nothing.
 */
export async function configureSymbolsAtStart(context: TraderContext): Promise<void> {
  const { account } = context;
  const busy = new Set([
    ...account.positions.keys(),
    ...liveOrders(account).map((order) => order.symbol),
    ...liveAlgoOrders(account).map((order) => order.symbol),
  ]);
  const restores = context.config.symbols.flatMap((symbol) => {
    if (busy.has(symbol)) return [];
    const restore = settingsRestore(context, symbol, account.settings.get(symbol), 'at start');
    return restore === undefined ? [] : [{ symbol, restore }];
  });
  if (restores.length === 0) return;
  try {
    await context.recordDurably(...restores.map(({ restore }) => restore.record));
  } catch (error) {
    context.log.warn(
      `leverage and margin mode not set at start: their records could not be made durable (${error instanceof Error ? error.message : String(error)}); the first entry of each symbol tries again`,
    );
    return;
  }
  const limit = pLimit(SYMBOLS_CONFIGURED_AT_ONCE);
  await Promise.all(
    restores.map(({ symbol, restore }) =>
      limit(() =>
        restore.send().catch((error: unknown) => {
          context.log.warn(
            { symbol },
            `${symbol}: could not set leverage and margin mode at start (${error instanceof Error ? error.message : String(error)}); the first entry tries again`,
          );
        }),
      ),
    ),
  );
}

export async function warmUp(context: TraderContext): Promise<void> {
  const interval = context.config.strategy.timeframe;
  for (const [symbol, strategy] of context.strategies) {
    const rows = (await context.options.rest({
      method: 'GET',
      path: '/fapi/v1/klines',
      params: { symbol: toExchangeId(symbol), interval, limit: Math.min(1500, strategy.warmUpCandles + 1) },
      security: 'NONE',
    })) as [number, string, string, string, string, string, number][];
    // The last row is the candle still forming.
    const forming = rows.at(-1);
    if (forming) context.formingAtStart.set(symbol, forming[0]);
    for (const [openTime, open, high, low, close, , closeTime] of rows.slice(0, -1)) {
      strategy.onCandle({
        openTime,
        open: Number(open),
        high: Number(high),
        low: Number(low),
        close: Number(close),
      });
      context.lastCandle.set(symbol, closeTime);
      context.marketTime = Math.max(context.marketTime, closeTime);
    }
  }
}
