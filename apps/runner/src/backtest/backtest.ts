/**
 * `bot backtest`'s engine: the same bot as `bot run --replay` — `startBot` in paper mode, the `Trader`,
 * `@bot/strategy`, `RiskGuard`, sizing, protected entries through the ccxt adapter, and the emulator's
 * matching core (fees, funding, liquidation) replaying the archive's 1m candles — on the emulator's manual
 * clock: the market moves one strategy candle at a time, and the next move waits until the bot has handled
 * that candle and everything it caused. So a backtest takes the same decisions as a live replay, as fast as
 * the bot can take them, and the same every time. The emulator serves this process only: the adapter's
 * requests are answered by its REST handler without HTTP (`sim.fetch` as ccxt's fetch), and the feeds
 * listen to its streams without sockets (see docs/ARCHITECTURE.md "The backtest's exchange port").
 *
 * The trades in the report come from the matching core's own fills (as the exchange would report them):
 * entries, stop-loss and take-profit executions, closes, with their fees and realized PnL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BotConfig } from '@bot/config';
import type { Candle, CoreEvent, ListedContract } from '@bot/sim';
import { klineIntervalMs, perpSymbol } from '@bot/symbols';
import type { KlineInterval } from '@bot/symbols';
import { volumeStepOf } from '../data/kline-archive';
import type { SymbolScan } from '../data/kline-archive';
import type { Logger } from '../logger';
import { startBot } from '../run';
import type { StartBotOptions } from '../run';
import type { RunSummary } from '../trader';
import { contractFor, contractsWithBooks } from './instruments';
import { CandleReadAhead, READ_AHEAD_MS } from './read-ahead';

export interface BacktestFill {
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  readonly qty: number;
  readonly fee: number;
  readonly realizedPnl: number;
  readonly time: number;
  /** What the order was: MARKET, LIMIT, STOP_MARKET, TAKE_PROFIT(_MARKET), LIQUIDATION… */
  readonly orderType: string;
  readonly reduceOnly: boolean;
}

export interface BacktestTrade {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly exitTime: number;
  readonly exitPrice: number;
  readonly quantity: number;
  readonly fees: number;
  /** Realized PnL less fees, in the quote coin. */
  readonly pnl: number;
  /** stop-loss, take-profit, market (flattened at the end or by the bot), liquidation. */
  readonly exit: string;
  /** Stop and target of the position's protective orders, when it had them. */
  readonly stop?: number | undefined;
  readonly target?: number | undefined;
}

export interface BacktestResult {
  readonly symbol: string;
  readonly timeframe: string;
  readonly from: number;
  readonly to: number;
  /** Candles played (less than `totalCandles` when interrupted). */
  readonly candles: number;
  readonly totalCandles: number;
  readonly startBalance: number;
  readonly endBalance: number;
  readonly fills: readonly BacktestFill[];
  readonly trades: readonly BacktestTrade[];
  readonly summary: RunSummary;
  /** Market time reached: less than `to` when interrupted. */
  readonly reached: number;
  readonly interrupted: boolean;
  readonly elapsedMs: number;
  /** Close prices per strategy candle, for the report's price chart. */
  readonly prices: readonly { readonly time: number; readonly close: number }[];
}

/**
 * One symbol's 1m candles (exchange id, e.g. `BTCUSDC`): an array, or a stream read as the market clock
 * reaches it (`streamKlines`) with what the first pass found of it (`scanKlines`).
 */
export type BacktestMarket =
  | { readonly symbol: string; readonly candles: readonly Candle[] }
  | {
      readonly symbol: string;
      readonly candles: AsyncIterable<readonly Candle[]>;
      readonly scan: Pick<SymbolScan, 'count' | 'lastOpen' | 'volumeStep'>;
    };

export interface BacktestOptions {
  readonly config: BotConfig;
  readonly logger: Logger;
  /** One symbol's 1m candles… */
  readonly symbol?: string;
  readonly candles?: readonly Candle[];
  /** …or several symbols', traded together on one account (one quote coin). */
  readonly markets?: readonly BacktestMarket[];
  /** Keep the audit trail at the config's path (default: written to a temporary directory and removed). */
  readonly audit?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (reached: number, from: number, to: number) => void;
  /** The strategy per symbol (default the Trader's: the breakout strategy); tests script their own. */
  readonly createStrategy?: StartBotOptions['createStrategy'];
  /** The instrument rules (default the bundled snapshot's; `bot backtest --instruments <file>`). */
  readonly contracts?: readonly ListedContract[];
}

const START_BALANCE = 10_000;

/** Runs the bot over the candles; resolves to the fills, trades and the Trader's own summary. */
export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const started = performance.now();
  const given: readonly BacktestMarket[] =
    options.markets ??
    (options.symbol && options.candles ? [{ symbol: options.symbol, candles: options.candles }] : []);
  if (given.length === 0) throw new RangeError('no candles to backtest');
  const markets = given.map((market) => {
    const scan = 'scan' in market ? market.scan : scanOf(market.candles as readonly Candle[]);
    return { symbol: market.symbol, scan, candles: new CandleReadAhead(market.candles) };
  });
  const instruments = markets.map((market) => contractFor(market.symbol, options.contracts).instrument);
  const instrument = instruments[0] as (typeof instruments)[number];
  const quotes = new Set(instruments.map((one) => one.quoteAsset));
  if (quotes.size > 1) {
    throw new RangeError(
      `${markets.map((market) => market.symbol).join(', ')}: one backtest trades one quote coin (the account's), not ${[...quotes].join(' and ')}`,
    );
  }
  // The first minute of each stream is read before the emulator starts (it opens at the first candle).
  for (const market of markets) {
    await market.candles.fill(Number.NEGATIVE_INFINITY);
    const first = market.candles.first;
    if (first === undefined) throw new RangeError(`${market.symbol}: no candles to backtest`);
    await market.candles.fill(first.openTime + READ_AHEAD_MS);
  }
  const firstCandle = (market: (typeof markets)[number]) => market.candles.first as Candle;
  const firstOpen = Math.min(...markets.map((market) => firstCandle(market).openTime));
  const lastOpen = Math.max(...markets.map((market) => market.scan.lastOpen));
  const totalCandles = markets.reduce((sum, market) => sum + market.scan.count, 0);
  const scratch = options.audit ? undefined : mkdtempSync(join(tmpdir(), 'bot-backtest-'));
  const config: BotConfig = {
    ...options.config,
    mode: 'paper',
    quoteCoin: instrument.quoteAsset as BotConfig['quoteCoin'],
    settleCoin: instrument.marginAsset as BotConfig['settleCoin'],
    symbols: instruments.map((one) => perpSymbol(one.baseAsset, one.quoteAsset)),
    compliance: {
      ...options.config.compliance,
      ...(scratch ? { auditPath: join(scratch, 'audit.jsonl') } : {}),
    },
    // A backtest replays history: its trades are not news for the webhook.
    notifications: { ...options.config.notifications, url: undefined },
  };
  const timeframe = config.strategy.timeframe as KlineInterval;
  const frameMs = klineIntervalMs(timeframe);
  if (frameMs === undefined)
    throw new RangeError(`timeframe ${timeframe}: a backtest needs a fixed-length timeframe`);
  const bot = await startBot({
    config,
    logger: options.logger,
    operatorApi: false,
    // A scratch trail (audit off) is deleted at the end: syncing it to disk each candle would buy nothing.
    ...(scratch ? { auditDurability: 'none' as const } : {}),
    ...(options.createStrategy ? { createStrategy: options.createStrategy } : {}),
    // The adapter waits (for a fill, between retries) in market time: the market moves while it waits.
    exchangeRuntime: (emulator) =>
      emulator
        ? {
            sleep: (ms) => {
              emulator.advance(Math.max(0, ms));
              return new Promise((resolve) => setImmediate(resolve));
            },
          }
        : {},
    paper: {
      speed: 'manual',
      // No HTTP and no sockets: the ccxt adapter and the feeds reach the emulator in this process.
      inProcess: true,
      replays: markets.map((market, position) => ({
        symbol: market.symbol,
        base: (instruments[position] as typeof instrument).baseAsset,
        candles: market.candles.replay(),
        stepSize: market.scan.volumeStep,
      })),
      // Only the traded contracts: the emulator's work per tick grows with the contracts it lists.
      contracts: contractsWithBooks(
        new Map(markets.map((market) => [market.symbol, Number(firstCandle(market).close)])),
        options.contracts,
      ).filter((contract) => markets.some((market) => market.symbol === contract.instrument.symbol)),
      // The emulator counts request weight per wall-clock minute, and a backtest plays days in one.
      weightLimitPerMinute: 1_000_000_000,
    },
  });
  const sim = bot.sim;
  if (!sim) throw new Error('the backtest needs the in-process emulator');
  const fills: BacktestFill[] = [];
  const protections: { symbol: string; kind: 'stop' | 'target'; price: number; time: number }[] = [];
  const drain = sim.core.drainEvents.bind(sim.core);
  sim.core.drainEvents = () => {
    const events = drain();
    for (const event of events) {
      collectFill(event, fills);
      if (event.kind === 'algo' && event.algo.algoStatus === 'NEW') {
        protections.push({
          symbol: event.algo.symbol,
          kind: event.algo.orderType.startsWith('STOP') ? 'stop' : 'target',
          price: Number(event.algo.triggerPrice),
          time: event.time,
        });
      }
    }
    return events;
  };
  // The market stream counts as up once each subscription delivered its first message, and on a manual
  // clock nothing is sent until the clock moves: it is moved a second at a time inside the first minute
  // (candle updates, no candle closes) until both streams are live. Otherwise the first candle would wait
  // for the stream's REST fallback, seconds of wall clock.
  for (let waited = 0; waited < 10_000; waited += 5) {
    const feeds = bot.trader.health().feeds as Record<string, string>;
    if (feeds.market === 'live' && feeds.userData === 'live') break;
    if (feeds.market !== 'live' && (sim.marketTime() % 60_000) + 1_000 < 60_000) sim.advance(1_000);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const prices: { time: number; close: number }[] = [];
  const end = lastOpen + 60_000;
  let interrupted = false;
  let played = 0;
  const configSymbols = config.symbols;
  let result: BacktestResult | undefined;
  try {
    while (sim.marketTime() < end) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const now = sim.marketTime();
      const next = Math.min(end, Math.floor(now / frameMs) * frameMs + frameMs);
      // Read ahead of the clock first: the replay takes its candles synchronously as the clock moves.
      for (const market of markets) await market.candles.fill(next + READ_AHEAD_MS);
      sim.advance(next - now);
      // Wait for the bot only on the symbols whose strategy candle closed with data in it (a gap closes none).
      const closed: string[] = [];
      const passed = markets.map((market, position) => {
        const seen = market.candles.passed(next);
        played += seen.count;
        if (seen.count > 0) closed.push(configSymbols[position] as string);
        return seen;
      });
      if (closed.length > 0 && next % frameMs === 0) {
        await bot.trader.processedThrough(next - 1, closed);
        const first = passed[0];
        if (first?.last && first.count > 0) {
          prices.push({ time: next - frameMs, close: Number(first.last.close) });
        }
      }
      // No position across a gap in the data: what the market did there is unknown, so open positions are
      // closed at market at the last price before it (the emulator's price holds while no candle comes).
      for (const [position, market] of markets.entries()) {
        const { last: before, following: after } = passed[position] ?? {};
        if (
          before &&
          after &&
          after.openTime - before.openTime > 60_000 &&
          bot.trader.openTrades.length > 0
        ) {
          await bot.trader.flatten(
            `backtest: gap in the ${market.symbol} data after ${new Date(before.openTime).toISOString()} (resumes ${new Date(after.openTime).toISOString()})`,
          );
        }
      }
      options.onProgress?.(sim.marketTime(), firstOpen, end);
    }
  } finally {
    // Positions still open at the end are closed at market, as a backtest's last candle ends them.
    const summary = await bot.stop({ flatten: true });
    sim.core.drainEvents = drain;
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    const trades = tradesFromFills(fills).map((trade) => {
      const during = protections.filter(
        (order) =>
          order.symbol === trade.symbol && order.time >= trade.entryTime && order.time <= trade.exitTime,
      );
      return {
        ...trade,
        stop: during.find((order) => order.kind === 'stop')?.price,
        target: during.find((order) => order.kind === 'target')?.price,
      };
    });
    result = {
      symbol: instruments.map((one) => one.symbol).join(','),
      timeframe,
      from: firstOpen,
      to: end,
      candles: played,
      startBalance: START_BALANCE,
      totalCandles,
      endBalance: START_BALANCE + trades.reduce((sum, trade) => sum + trade.pnl, 0),
      fills,
      trades,
      summary,
      reached: sim.marketTime(),
      interrupted,
      elapsedMs: performance.now() - started,
      prices,
    };
  }
  return result;
}

/** What `scanKlines` finds of a stream, for candles given as an array. */
function scanOf(candles: readonly Candle[]): Pick<SymbolScan, 'count' | 'lastOpen' | 'volumeStep'> {
  return {
    count: candles.length,
    lastOpen: candles.at(-1)?.openTime ?? 0,
    volumeStep: volumeStepOf(candles.map((candle) => candle.volume)),
  };
}

function collectFill(event: CoreEvent, fills: BacktestFill[]): void {
  if (event.kind !== 'order' || !event.fill) return;
  const { fill, order } = event;
  fills.push({
    symbol: fill.symbol,
    side: fill.side,
    price: Number(fill.price),
    qty: Number(fill.qty),
    fee: Number(fill.commission),
    realizedPnl: Number(fill.realizedPnl),
    time: fill.time,
    orderType: order.forcedClose ? 'LIQUIDATION' : order.origType,
    reduceOnly: order.reduceOnly || order.closePosition,
  });
}

const EXIT_NAMES: Record<string, string> = {
  STOP_MARKET: 'stop-loss',
  STOP: 'stop-loss',
  TAKE_PROFIT: 'take-profit',
  TAKE_PROFIT_MARKET: 'take-profit',
  LIQUIDATION: 'liquidation',
};

/** Round trips from fills: a trade opens when a symbol's position leaves zero and ends when it is back. */
export function tradesFromFills(fills: readonly BacktestFill[]): BacktestTrade[] {
  const trades: BacktestTrade[] = [];
  const open = new Map<
    string,
    {
      side: 'long' | 'short';
      position: number;
      entryTime: number;
      entryQty: number;
      entryCost: number;
      exitQty: number;
      exitCost: number;
      fees: number;
      pnl: number;
      exit: string;
      exitTime: number;
    }
  >();
  for (const fill of fills) {
    const signed = fill.side === 'BUY' ? fill.qty : -fill.qty;
    let trade = open.get(fill.symbol);
    if (!trade) {
      trade = {
        side: signed > 0 ? 'long' : 'short',
        position: 0,
        entryTime: fill.time,
        entryQty: 0,
        entryCost: 0,
        exitQty: 0,
        exitCost: 0,
        fees: 0,
        pnl: 0,
        exit: 'market',
        exitTime: fill.time,
      };
      open.set(fill.symbol, trade);
    }
    const adds = (trade.side === 'long') === signed > 0;
    if (adds) {
      trade.entryQty += fill.qty;
      trade.entryCost += fill.qty * fill.price;
    } else {
      trade.exitQty += fill.qty;
      trade.exitCost += fill.qty * fill.price;
      trade.exit = EXIT_NAMES[fill.orderType] ?? 'market';
      trade.exitTime = fill.time;
    }
    trade.position += signed;
    trade.fees += fill.fee;
    trade.pnl += fill.realizedPnl - fill.fee;
    if (Math.abs(trade.position) < 1e-12) {
      open.delete(fill.symbol);
      trades.push({
        symbol: fill.symbol,
        side: trade.side,
        entryTime: trade.entryTime,
        entryPrice: trade.entryCost / trade.entryQty,
        exitTime: trade.exitTime,
        exitPrice: trade.exitQty > 0 ? trade.exitCost / trade.exitQty : Number.NaN,
        quantity: trade.entryQty,
        fees: trade.fees,
        pnl: trade.pnl,
        exit: trade.exit,
      });
    }
  }
  return trades;
}
