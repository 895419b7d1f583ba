import { afterAll, beforeAll } from 'vitest';
import { startSim } from '../src/sim';
import type { Sim, SimOptions } from '../src/sim';
import { restClient } from './ccxt-client';
import { connect } from './socket-client';

/**
 * The world most emulator tests start from: the emulator on a manual clock with 5 minutes of history, its
 * symbols at pinned prices, and an unmodified ccxt client per account asked for, markets loaded. One set-up,
 * so a test file says only what differs (more accounts, a seed, a price).
 */

export type RestClient = ReturnType<typeof restClient>;

export interface ManualWorldOptions {
  /** Over `{ speed: 'manual', historyMinutes: 5 }`. */
  readonly sim?: SimOptions;
  /** Last (and mark) price per exchange symbol, set once the clients are ready: `{ BTCUSDC: '60000.0' }`. */
  readonly prices?: Readonly<Record<string, string>>;
  /** One ccxt client per entry, on `sim.accounts[entry]`; default `[0]`, `[]` for none. */
  readonly clients?: readonly number[];
}

export interface ManualWorld {
  readonly sim: Sim;
  /** The first client (on the first account by default). */
  readonly exchange: RestClient;
  /** The client made for `options.clients[index]`. */
  client(index: number): RestClient;
}

export async function startManualWorld(options: ManualWorldOptions = {}): Promise<ManualWorld> {
  const sim = await startSim({ speed: 'manual', historyMinutes: 5, ...options.sim });
  const clients = (options.clients ?? [0]).map((account) => restClient(sim, sim.accounts[account]));
  for (const client of clients) await client.loadMarkets();
  for (const [symbol, price] of Object.entries(options.prices ?? {})) sim.setMarketPrice(symbol, price);
  const client = (index: number) => {
    const found = clients[index];
    if (!found) throw new Error(`no client ${index}: the world was started with ${clients.length}`);
    return found;
  };
  return {
    sim,
    get exchange() {
      return client(0);
    },
    client,
  };
}

/**
 * A world for the tests of the enclosing `describe`: started before the first, closed after the last. Its
 * fields are there once the tests run (not while the block is collected).
 */
export function useManualWorld(options: ManualWorldOptions = {}): ManualWorld {
  let world: ManualWorld | undefined;
  beforeAll(async () => {
    world = await startManualWorld(options);
  });
  afterAll(async () => {
    await world?.sim.close();
  });
  const current = () => {
    if (!world)
      throw new Error('the manual world is started before the tests run, not while they are collected');
    return world;
  };
  return {
    get sim() {
      return current().sim;
    },
    get exchange() {
      return current().exchange;
    },
    client: (index) => current().client(index),
  };
}

/** No open order, no algo order and no position on `symbol`: each test of a shared world starts flat. */
export async function flatten(exchange: RestClient, symbol: string): Promise<void> {
  await exchange.cancelAllOrders(symbol);
  await exchange.cancelAllOrders(symbol, { trigger: true });
  const [position] = await exchange.fetchPositions([symbol]);
  if (position?.contracts) {
    const side = position.side === 'long' ? 'sell' : 'buy';
    await exchange.createOrder(symbol, 'market', side, position.contracts, undefined, { reduceOnly: true });
  }
}

/** A /private socket for the account behind `exchange`, on its (shared) active listenKey. */
export async function privateSocket(sim: Sim, exchange: RestClient, combined = false) {
  const { listenKey } = await (
    exchange as unknown as { fapiPrivatePostListenKey(): Promise<{ listenKey: string }> }
  ).fapiPrivatePostListenKey();
  const path = combined ? `private/stream?listenKey=${listenKey}` : `private/ws?listenKey=${listenKey}`;
  return { listenKey, ...(await connect(`${sim.wsUrl}/${path}`)) };
}

/** A POST to one of the emulator's `/_sim/` control routes, with its status and JSON body. */
export async function postControl(sim: Sim, path: string, body: string) {
  const answer = await fetch(`${sim.url}${path}`, { method: 'POST', body });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
}
