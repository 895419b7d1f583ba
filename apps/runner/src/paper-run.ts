import { openAuditTrail } from '@bot/audit';
import type { BotConfig } from '@bot/config';
import { createExchange } from '@bot/exchange';
import type { CcxtExchange } from '@bot/exchange';
import { RiskGuard, sizePosition } from '@bot/risk';
import type { OpenPosition } from '@bot/risk';
import { startSim } from '@bot/sim';
import { BreakoutStrategy } from '@bot/strategy';
import type { Signal } from '@bot/strategy';
import { fromExchangeId, toExchangeId } from '@bot/symbols';
import { MarketStream, klineStream } from '@bot/ws';
import type { KlineEvent } from '@bot/ws';

export interface PaperRunOptions {
  readonly config: BotConfig;
  /** Seed of the emulator's synthetic market: the same seed gives the same run. */
  readonly seed: number;
  /** Market clock speed of the emulator (60: an hour of market a minute). */
  readonly speed: number;
  /** Wall-clock duration of the run. */
  readonly durationMs: number;
  readonly log: (line: string) => void;
  /** Stops the run early (SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
}

export interface RunSummary {
  readonly signals: number;
  readonly entries: number;
  readonly closes: number;
  readonly wins: number;
  readonly realizedPnl: number;
  readonly maxDrawdown: number;
  readonly longestStopLossStreak: number;
  readonly denials: Readonly<Record<string, number>>;
  readonly openAtEnd: number;
}

interface OpenTrade {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly openedAt: number;
}

const TAKER_FEE_RATE = 0.0005;
const SLIPPAGE_PCT = 0.0005;

/**
 * The paper-trading run: the emulator in-process, closed 1m candles from its market stream into the
 * breakout strategy, RiskGuard and sizing in front of every entry, protected entries through the ccxt
 * adapter, exits settled and recorded, every decision in the audit trail with its rationale.
 */
export async function runPaper(options: PaperRunOptions): Promise<RunSummary> {
  const { config, log } = options;
  const sim = await startSim({ seed: options.seed, speed: options.speed, historyMinutes: 300 });
  const [account] = sim.accounts;
  const audit = await openAuditTrail({ path: config.compliance.auditPath, durability: 'batch' });
  const exchange: CcxtExchange = await createExchange({
    mode: 'paper',
    simUrl: sim.url,
    apiKey: account?.apiKey,
    apiSecret: account?.apiSecret,
    enableRateLimit: false,
    orders: config.orders,
    execution: config.execution,
    leverage: config.risk.leverageDefault,
  });
  const guard = new RiskGuard({ tier: config.strategy.tier, limits: config.risk });
  const strategies = new Map(config.symbols.map((symbol) => [symbol, new BreakoutStrategy({ symbol })]));
  const openTrades = new Map<string, OpenTrade>();
  const denials: Record<string, number> = {};
  let signals = 0;
  let entries = 0;
  let closes = 0;
  let wins = 0;
  let realizedPnl = 0;
  let peakPnl = 0;
  let maxDrawdown = 0;
  let longestStreak = 0;

  const record = async (kind: string, payload: Record<string, unknown>) => {
    await audit.append(kind, payload);
  };
  await record('run.build-card', buildCard(config, options));
  log(
    `paper run: emulator at ${sim.url}, seed ${options.seed}, speed ${options.speed}×, symbols ${config.symbols.join(', ')}`,
  );

  const equity = async () => {
    const balances = await exchange.fetchBalances();
    const balance = balances.find((entry) => entry.asset === config.quoteCoin);
    return Number(balance?.marginBalance ?? 0);
  };

  const settleClosedTrades = async (now: number) => {
    if (openTrades.size === 0) return;
    const positions = await exchange.fetchPositions([...openTrades.keys()]);
    for (const trade of [...openTrades.values()]) {
      if (positions.some((position) => position.symbol === trade.symbol)) continue;
      openTrades.delete(trade.symbol);
      await exchange.cancelAllOrders({
        symbol: trade.symbol,
        rationale: 'position closed: cancel its remaining exits',
      });
      const fills = await exchange.fetchFills(trade.symbol, { since: trade.openedAt });
      const pnl = fills.reduce((sum, fill) => sum + Number(fill.realizedPnl) - Number(fill.fee), 0);
      const reason = pnl < 0 ? 'stop_loss' : 'take_profit';
      const result = guard.recordClose({ pnl, reason, now, symbol: trade.symbol });
      closes += 1;
      if (pnl > 0) wins += 1;
      realizedPnl += pnl;
      peakPnl = Math.max(peakPnl, realizedPnl);
      maxDrawdown = Math.max(maxDrawdown, peakPnl - realizedPnl);
      longestStreak = Math.max(longestStreak, guard.stopLossStreak);
      log(
        `close ${trade.symbol} ${trade.side}: pnl ${pnl.toFixed(2)} ${config.quoteCoin} (${reason}), streak ${guard.stopLossStreak}`,
      );
      await record('trade.close', { symbol: trade.symbol, side: trade.side, pnl, reason, risk: result });
    }
  };

  const onSignal = async (signal: Signal, now: number) => {
    signals += 1;
    const currentEquity = await equity();
    const openPositions: OpenPosition[] = [...openTrades.values()].map(({ symbol, side }) => ({
      symbol,
      side,
    }));
    const decision = guard.canOpen({
      symbol: signal.symbol,
      side: signal.side,
      now,
      equity: currentEquity,
      openPositions,
    });
    if (!decision.allowed) {
      denials[decision.code] = (denials[decision.code] ?? 0) + 1;
      await audit.appendRationale({
        action: 'risk.deny',
        lens: 'Risk',
        symbol: signal.symbol,
        side: signal.side === 'long' ? 'buy' : 'sell',
        why: `${decision.code}: ${decision.message}`,
        config: { ...config.risk, tier: config.strategy.tier },
        risk: { ...decision },
      });
      return;
    }
    const instrument = await exchange.instrument(signal.symbol);
    const size = sizePosition({
      side: signal.side,
      equity: currentEquity,
      riskPct: config.risk.riskPerTradePct,
      entry: signal.entry,
      stop: signal.stop,
      instrument,
      leverage: config.risk.leverageDefault,
      feeRate: TAKER_FEE_RATE,
      slippagePct: SLIPPAGE_PCT,
      tier: config.strategy.tier,
    });
    if (!size.allowed) {
      denials[size.code] = (denials[size.code] ?? 0) + 1;
      return;
    }
    const why = `${signal.why}; qty=${size.quantity} risks ${(config.risk.riskPerTradePct * 100).toFixed(2)}% of ${currentEquity.toFixed(2)}`;
    const result = await exchange.openProtectedPosition({
      id: `${toExchangeId(signal.symbol)}-${signal.time}`,
      symbol: signal.symbol,
      side: signal.side,
      quantity: size.quantity,
      entry: { type: 'market' },
      stopLossPrice: String(signal.stop),
      takeProfitPrice: String(signal.target),
      rationale: why,
    });
    log(`entry ${signal.symbol} ${signal.side} ${size.quantity}: ${result.status} — ${why}`);
    await audit.appendRationale({
      action: 'order.place',
      lens: 'Trader',
      symbol: signal.symbol,
      side: signal.side === 'long' ? 'buy' : 'sell',
      size: Number(size.quantity),
      why,
      config: {
        riskPerTradePct: config.risk.riskPerTradePct,
        leverage: config.risk.leverageDefault,
        tier: config.strategy.tier,
      },
      risk: { status: result.status, stopLoss: signal.stop, takeProfit: signal.target },
    });
    if (result.status === 'protected') {
      entries += 1;
      openTrades.set(signal.symbol, { symbol: signal.symbol, side: signal.side, openedAt: now });
    }
  };

  // Warm the strategies up on the closed 1m history, so signals can come from the first live candle on.
  const lastCandleTime = new Map<string, number>();
  for (const [symbol, strategy] of strategies) {
    const id = toExchangeId(symbol);
    const response = await fetch(
      `${sim.url}/fapi/v1/klines?symbol=${id}&interval=1m&limit=${strategy.warmUpCandles + 1}`,
    );
    const rows = (await response.json()) as [number, string, string, string, string][];
    for (const [openTime, open, high, low, close] of rows.slice(0, -1)) {
      strategy.onCandle({
        openTime,
        open: Number(open),
        high: Number(high),
        low: Number(low),
        close: Number(close),
      });
      lastCandleTime.set(id, openTime);
    }
  }

  // Candles are handled one at a time, in order: a decision never races the previous one.
  let queue = Promise.resolve();
  const onKline = (event: KlineEvent) => {
    if (!event.closed || event.openTime <= (lastCandleTime.get(event.symbol) ?? -1)) return;
    lastCandleTime.set(event.symbol, event.openTime);
    queue = queue
      .then(async () => {
        await settleClosedTrades(event.closeTime);
        const symbol = fromExchangeId(event.symbol);
        const signal = strategies.get(symbol)?.onCandle({
          openTime: event.openTime,
          open: Number(event.open),
          high: Number(event.high),
          low: Number(event.low),
          close: Number(event.close),
        });
        if (signal && !openTrades.has(symbol)) await onSignal(signal, event.closeTime);
      })
      .catch((error: unknown) => log(`error: ${(error as Error).message}`));
  };

  const market = new MarketStream({
    baseUrl: sim.wsUrl,
    streams: config.symbols.map((symbol) => klineStream(toExchangeId(symbol), '1m')),
  });
  market.on('kline', onKline);
  market.start();

  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.durationMs);
    options.signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await market.close();
  await queue;
  const summary: RunSummary = {
    signals,
    entries,
    closes,
    wins,
    realizedPnl,
    maxDrawdown,
    longestStopLossStreak: longestStreak,
    denials,
    openAtEnd: openTrades.size,
  };
  await record('run.summary', { ...summary });
  await audit.close();
  await sim.close();
  return summary;
}

function buildCard(config: BotConfig, options: PaperRunOptions): Record<string, unknown> {
  return {
    mode: config.mode,
    tier: config.strategy.tier,
    symbols: config.symbols,
    risk: config.risk,
    tpOrderStyle: config.orders.tpOrderStyle,
    workingType: config.orders.workingType,
    auditPath: config.compliance.auditPath,
    seed: options.seed,
    speed: options.speed,
  };
}
