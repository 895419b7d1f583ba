import { startSim } from '@bot/sim';
import type { Sim, SimOptions } from '@bot/sim';
import { CcxtExchange } from '../src/ccxt-exchange';
import type { CcxtExchangeOptions } from '../src/ccxt-exchange';
import { createExchangeClient } from '../src/exchange-client';
import type { ExchangeClient } from '../src/exchange-client';
import type { ExchangeLogEntry } from '../src/runtime';

export const BTC = 'BTC/USDC:USDC';
export const ETH = 'ETH/USDC:USDC';

/** A virtual clock: `sleep` returns at once and moves `now` forward, recording each delay. */
export function virtualTime(start = 1_750_000_000_000) {
  let current = start;
  const sleeps: number[] = [];
  let seed = 42;
  return {
    sleeps,
    now: () => current,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      current += Math.max(0, ms);
    },
    /** A small deterministic PRNG (mulberry32). */
    random: () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

export interface PaperSetup {
  readonly sim: Sim;
  readonly client: ExchangeClient;
  readonly exchange: CcxtExchange;
  readonly logs: ExchangeLogEntry[];
  readonly time: ReturnType<typeof virtualTime>;
}

export async function startPaper(simOptions: SimOptions = {}): Promise<Sim> {
  const sim = await startSim({ speed: 'manual', seed: 7, historyMinutes: 5, ...simOptions });
  sim.setMarketPrice('BTCUSDC', '60000.0');
  sim.setMarketPrice('ETHUSDC', '3000.00');
  return sim;
}

/** The real paper-mode factory pointed at the emulator, and the adapter on top, on virtual time. */
export async function paperExchange(
  sim: Sim,
  options: Partial<Omit<CcxtExchangeOptions, 'client'>> & { requestTimeoutMs?: number } = {},
): Promise<PaperSetup> {
  const [account] = sim.accounts;
  const client = await createExchangeClient({
    mode: 'paper',
    simUrl: sim.url,
    apiKey: account?.apiKey,
    apiSecret: account?.apiSecret,
    enableRateLimit: false,
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  const logs: ExchangeLogEntry[] = [];
  const time = virtualTime();
  const exchange = new CcxtExchange({
    client,
    now: time.now,
    sleep: time.sleep,
    random: time.random,
    log: (entry) => logs.push(entry),
    orders: { workingType: 'MARK_PRICE', tpOrderStyle: 'limit' },
    execution: { maxRetries: 3, backoffBaseMs: 500, backoffMaxMs: 10_000 },
    leverage: 5,
    ...options,
  });
  return { sim, client, exchange, logs, time };
}

/** Cancels every order of both books and closes every position, straight on the emulator's core. */
export function resetAccount(sim: Sim, symbols: readonly string[] = ['BTCUSDC', 'ETHUSDC']): void {
  sim.clearFaults();
  const accountId = sim.accounts[0]?.accountId ?? 'account-1';
  const now = sim.marketTime();
  for (const symbol of symbols) {
    sim.core.cancelAllOrders(accountId, symbol, now);
    sim.core.cancelAllAlgoOrders(accountId, symbol, now);
  }
  for (const position of sim.core.positions(accountId)) {
    const amount = Number(position.positionAmt);
    if (amount === 0) continue;
    sim.core.placeOrder(
      accountId,
      {
        symbol: position.symbol,
        side: amount > 0 ? 'SELL' : 'BUY',
        type: 'MARKET',
        quantity: position.positionAmt.replace('-', ''),
        reduceOnly: true,
      },
      now,
    );
  }
  sim.core.drainEvents();
  sim.setMarketPrice('BTCUSDC', '60000.0');
  sim.setMarketPrice('ETHUSDC', '3000.00');
}

/** The emulator's view of the account, typed loosely for assertions. */
export function simState(sim: Sim) {
  const state = sim.state();
  return {
    positions: state.positions as Array<{ symbol: string; positionAmt: string }>,
    openOrders: state.openOrders as Array<Record<string, unknown>>,
    openAlgoOrders: state.openAlgoOrders as Array<Record<string, unknown>>,
    fills: state.fills as Array<Record<string, unknown>>,
  };
}

export function positionAmount(sim: Sim, symbol = 'BTCUSDC'): number {
  const position = simState(sim).positions.find((candidate) => candidate.symbol === symbol);
  return position ? Number(position.positionAmt) : 0;
}
