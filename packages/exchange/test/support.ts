import { startSim } from '@bot/sim';
import type { Sim, SimOptions } from '@bot/sim';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { CcxtExchange } from '../src/ccxt-exchange';
import type { CcxtExchangeOptions } from '../src/ccxt-exchange';
import { createExchangeClient } from '../src/exchange-client';
import type { ExchangeClient } from '../src/exchange-client';
import type { PositionIntent } from '../src/protected-entry';
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
  options: Partial<Omit<CcxtExchangeOptions, 'client'>> & {
    requestTimeoutMs?: number;
    /** Send through the emulator's `sim.fetch` (in process, no HTTP) instead of HTTP. */
    inProcess?: boolean;
  } = {},
): Promise<PaperSetup> {
  const [account] = sim.accounts;
  const { inProcess, ...adapterOptions } = options;
  const client = await createExchangeClient({
    mode: 'paper',
    simUrl: sim.url,
    ...(inProcess ? { fetch: sim.fetch } : {}),
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
    ...adapterOptions,
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

/**
 * One emulator for the enclosing describe block (this registers its hooks): started before its tests,
 * closed after them, the account reset before each. With `exchange`, also one paper exchange on it whose
 * log is emptied before each test. Getters, because both exist only once the hooks have run.
 */
export function usePaperEmulator(options: { exchange?: boolean } = {}) {
  let sim: Sim | undefined;
  let setup: PaperSetup | undefined;
  beforeAll(async () => {
    sim = await startPaper();
    if (options.exchange === true) setup = await paperExchange(sim);
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(() => {
    resetAccount(started());
    if (setup !== undefined) setup.logs.length = 0;
  });
  function started(): Sim {
    if (sim === undefined) throw new Error('the emulator starts in beforeAll');
    return sim;
  }
  return {
    sim: started,
    setup: (): PaperSetup => {
      if (setup === undefined)
        throw new Error('usePaperEmulator({ exchange: true }) makes the paper exchange');
      return setup;
    },
  };
}

/** A limit entry at 59 500 that waits 5 s (polled each second), stop-loss 58 500, take-profit 61 500. */
export const LIMIT_ENTRY: Partial<PositionIntent> = Object.freeze({
  entry: { type: 'limit' as const, price: '59500', fillTimeoutMs: 5_000, pollIntervalMs: 1_000 },
  stopLossPrice: '58500',
  takeProfitPrice: '61500',
});

/**
 * Intents with ids unique across runs (`<prefix>-test-<n>-<time>`): by default a long market entry of
 * 0.020 BTC with its stop-loss at 58800 and take-profit at 62400; `defaults`, then each call's overrides,
 * replace fields of it.
 */
export function intentFactory(prefix: string, defaults: Partial<PositionIntent> = {}) {
  let counter = 0;
  return (overrides: Partial<PositionIntent> = {}): PositionIntent => {
    counter += 1;
    return {
      id: `${prefix}-test-${counter}-${Date.now()}`,
      symbol: BTC,
      side: 'long',
      quantity: '0.020',
      entry: { type: 'market' },
      stopLossPrice: '58800',
      takeProfitPrice: '62400',
      rationale: prefix,
      ...defaults,
      ...overrides,
    };
  };
}

/** A paper exchange whose log runs `effect` on the `nth` (default first) entry matching `event` and `operation`. */
export async function hookedExchange(
  sim: Sim,
  hooks: { event: string; operation: string; nth?: number; effect: () => void }[],
  options: Parameters<typeof paperExchange>[1] = {},
) {
  const logs: ExchangeLogEntry[] = [];
  const seen = hooks.map(() => 0);
  const armed = await paperExchange(sim, {
    ...options,
    log: (entry) => {
      logs.push(entry);
      hooks.forEach((hook, index) => {
        if (entry.event === hook.event && entry.operation === hook.operation) {
          seen[index] = (seen[index] ?? 0) + 1;
          if (seen[index] === (hook.nth ?? 1)) hook.effect();
        }
      });
    },
  });
  return { ...armed, logs };
}

/** Enough 502 faults on requests whose path contains `pathContains` to outlast every retry. */
export const failing = (pathContains: string, method?: 'GET' | 'POST' | 'DELETE') =>
  Array.from({ length: 40 }, () => ({ status: 502, pathContains, ...(method ? { method } : {}) }));

/** A paper exchange on virtual time: `onPoll[n]` runs before the n-th wait, `onLog` sees every log record. */
export async function pollingExchange(
  sim: Sim,
  onPoll: Record<number, () => void> = {},
  onLog: (entry: ExchangeLogEntry) => void = () => {},
) {
  const logs: ExchangeLogEntry[] = [];
  let polls = 0;
  const time = virtualTime();
  const setup = await paperExchange(sim, {
    now: time.now,
    sleep: async (ms) => {
      polls += 1;
      onPoll[polls]?.();
      await time.sleep(ms);
    },
    log: (entry) => {
      logs.push(entry);
      onLog(entry);
    },
  });
  return { exchange: setup.exchange, logs };
}
