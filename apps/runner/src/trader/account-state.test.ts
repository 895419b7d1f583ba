import { createExchange } from '@bot/exchange';
import type { ExchangeState, Fill } from '@bot/exchange';
import type { AlgoOrderView, PositionView, Sim } from '@bot/sim';
import { UserDataStream, createBinanceListenKeyApi } from '@bot/ws';
import type { UserDataEvent } from '@bot/ws';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ccxtRestRequest } from '../ccxt-rest';
import { eventually, manualSim, simKeys } from '../testing';
import { emptyAccountState, isLiveAlgoEntry, reduceAccount } from './account-state';
import type { AccountEvent, AccountState } from './account-state';

/**
 * The reducer against the emulator's own record: a seeded sequence of orders, stops and price moves on the
 * emulator, the user-data events a real stream delivered for it, and REST snapshots taken along the way.
 * Whatever order the events and a late snapshot are applied in (events of one millisecond keep theirs, as
 * one stream delivers them), the state is the emulator's at the end.
 */
interface Record {
  readonly events: UserDataEvent[];
  /** A REST sweep, and how many events had arrived when it was requested. */
  readonly snapshots: { readonly state: ExchangeState; readonly seq: number }[];
  readonly positions: Map<string, string>;
  readonly liveAlgoIds: string[];
  /** Every fill of both symbols as REST reports it (`/fapi/v1/userTrades` through the adapter). */
  readonly restFills: Fill[];
}

let sim: Sim;
let record: Record;

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

beforeAll(async () => {
  sim = await manualSim(5);
  const keys = simKeys(sim);
  const exchange = await createExchange({
    mode: 'paper',
    simUrl: sim.url,
    apiKey: keys['BOT_API_KEY'] ?? '',
    apiSecret: keys['BOT_API_SECRET'] ?? '',
  });
  const stream = new UserDataStream({
    baseUrl: sim.wsUrl,
    listenKeys: createBinanceListenKeyApi(ccxtRestRequest(exchange)),
  });
  const events: UserDataEvent[] = [];
  for (const type of ['orderUpdate', 'accountUpdate', 'algoUpdate', 'accountConfigUpdate'] as const)
    stream.on(type, (event: UserDataEvent) => void events.push(event));
  stream.start();
  await eventually(() => stream.health === 'live');
  const random = seeded(7);
  const snapshots: Record['snapshots'] = [];
  const symbols = ['BTCUSDC', 'ETHUSDC'];
  for (let step = 0; step < 60; step += 1) {
    sim.advance(1_000);
    const symbol = symbols[Math.floor(random() * symbols.length)]!;
    const market = sim.core.market(symbol);
    const price = Number(market.lastPrice);
    const choice = random();
    try {
      // Orders go through REST, as a client's do (the emulator publishes their events after each request).
      const unified = `${symbol.replace('USDC', '')}/USDC:USDC`;
      if (choice < 0.45) {
        const quantity = symbol === 'BTCUSDC' ? 0.01 : 0.1;
        await exchange.client.createOrder(unified, 'market', random() < 0.5 ? 'buy' : 'sell', quantity);
      } else if (choice < 0.65) {
        const long = random() < 0.5;
        const stopPrice = (price * (long ? 0.995 : 1.005)).toFixed(symbol === 'BTCUSDC' ? 1 : 2);
        await exchange.client.createOrder(
          unified,
          'STOP_MARKET',
          long ? 'sell' : 'buy',
          undefined as unknown as number, // closePosition: no quantity
          undefined,
          {
            stopPrice,
            closePosition: true,
          },
        );
      } else if (choice < 0.9) {
        const moved = price * (1 + (random() - 0.5) * 0.02);
        const text = moved.toFixed(symbol === 'BTCUSDC' ? 1 : 2);
        sim.setMarketPrice(symbol, text, text);
      } else {
        snapshots.push({
          state: await exchange.fetchExchangeState(['BTC/USDC:USDC', 'ETH/USDC:USDC']),
          seq: events.length,
        });
      }
    } catch {
      // A refused order (margin, would trigger at once) is part of a realistic record too.
    }
  }
  const settled = sim.state();
  // Every event the emulator sent has arrived.
  const kinds = new Set(['ORDER_TRADE_UPDATE', 'ACCOUNT_UPDATE', 'ALGO_UPDATE', 'ACCOUNT_CONFIG_UPDATE']);
  const sent = sim.streams.sentUserEvents.filter((entry) => kinds.has(String(entry.payload['e']))).length;
  await eventually(() => events.length >= sent, 5_000);
  await stream.close();
  const restFills = [
    ...(await exchange.fetchFills('BTC/USDC:USDC')),
    ...(await exchange.fetchFills('ETH/USDC:USDC')),
  ];
  record = {
    events,
    snapshots,
    positions: new Map(
      (settled.positions as PositionView[])
        .filter((position) => Number(position.positionAmt) !== 0)
        .map((position) => [position.symbol, position.positionAmt]),
    ),
    liveAlgoIds: (settled.openAlgoOrders as AlgoOrderView[]).map((order) => order.clientAlgoId).sort(),
    restFills,
  };
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

function positionsOf(state: AccountState): Map<string, string> {
  const positions = new Map<string, string>();
  for (const position of state.positions.values()) {
    const id = position.symbol.replace(/\/.*$/, '') + 'USDC';
    positions.set(id, `${position.side === 'short' ? '-' : ''}${position.quantity}`);
  }
  return positions;
}

function liveAlgoIdsOf(state: AccountState): string[] {
  return [...state.algoOrders.values()]
    .filter(isLiveAlgoEntry)
    .map((order) => order.clientAlgoId)
    .sort();
}

const normalized = (positions: Map<string, string>) =>
  new Map([...positions].map(([symbol, amount]) => [symbol, Number(amount)]));

/** A delivery order: any shuffle that keeps events of the same time in the order the stream sent them. */
function shuffledByTime(events: readonly UserDataEvent[], keys: readonly number[]): UserDataEvent[] {
  const groups = new Map<number, UserDataEvent[]>();
  for (const event of events) {
    const time = 'transactionTime' in event ? event.transactionTime || event.eventTime : event.eventTime;
    groups.set(time, [...(groups.get(time) ?? []), event]);
  }
  const ordered = [...groups.entries()].map(([, group], index) => ({
    group,
    key: keys[index % keys.length] ?? 0,
  }));
  ordered.sort((left, right) => left.key - right.key);
  return ordered.flatMap(({ group }) => group);
}

describe('reduceAccount over the emulator’s own record', () => {
  it('the record is rich enough to prove something', () => {
    expect(record.events.length).toBeGreaterThan(40);
    expect(
      record.events.some((event) => event.type === 'algoUpdate' && event.algoStatus === 'FINISHED'),
    ).toBe(true);
    expect(record.snapshots.length).toBeGreaterThan(0);
  });

  it('in delivery order, ends where the emulator ends', () => {
    const state = record.events.reduce<AccountState>(reduceAccount, emptyAccountState);
    expect(normalized(positionsOf(state))).toEqual(normalized(record.positions));
    expect(liveAlgoIdsOf(state)).toEqual(record.liveAlgoIds);
  });

  it('in any order the exchange may deliver (by time), ends the same', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 1, maxLength: 200 }), (keys) => {
        const state = shuffledByTime(record.events, keys).reduce<AccountState>(
          reduceAccount,
          emptyAccountState,
        );
        expect(normalized(positionsOf(state))).toEqual(normalized(record.positions));
        expect(liveAlgoIdsOf(state)).toEqual(record.liveAlgoIds);
      }),
      { numRuns: 200 },
    );
  });

  it('a REST snapshot answered late never rolls back what the stream said after it was requested', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (which, delay) => {
        const snapshot = record.snapshots[which % record.snapshots.length]!;
        const at = snapshot.seq + (delay % (record.events.length - snapshot.seq + 1));
        let state = emptyAccountState;
        record.events.forEach((event, index) => {
          if (index === at) state = reduceAccount(state, snapshotEvent(snapshot));
          state = reduceAccount(state, event);
        });
        if (at === record.events.length) state = reduceAccount(state, snapshotEvent(snapshot));
        expect(normalized(positionsOf(state))).toEqual(normalized(record.positions));
        expect(liveAlgoIdsOf(state)).toEqual(record.liveAlgoIds);
      }),
      { numRuns: 200 },
    );
  });

  it('logs every fill the stream reported as REST reports it (what a close counted from the stream rests on)', () => {
    const state = record.events.reduce<AccountState>(reduceAccount, emptyAccountState);
    // The stream sends no quote quantity; everything a close counts is the same, field for field.
    const comparable = ({ quoteQuantity: _quote, ...fill }: Fill) => fill;
    const logged = [...state.fills.values()].flat().map(comparable);
    const byId = (left: { id: string }, right: { id: string }) => Number(left.id) - Number(right.id);
    expect(logged.length).toBeGreaterThan(10);
    expect(logged.sort(byId)).toEqual(record.restFills.map(comparable).sort(byId));
    // Twice the same events (a poll after the stream, a replayed frame) log each fill once.
    const twice = [...record.events, ...record.events].reduce<AccountState>(reduceAccount, emptyAccountState);
    expect([...twice.fills.values()].flat()).toHaveLength(logged.length);
  });

  it('is total: every kind of event, known or not, gives a state', () => {
    const odd = [
      { type: 'listenKeyExpired', source: 'stream', eventTime: 1, listenKey: 'k' },
      { type: 'marginCall', source: 'stream', eventTime: 2, crossWalletBalance: undefined, positions: [] },
      { type: 'somethingNew', eventTime: 3 },
    ] as unknown as AccountEvent[];
    const state = odd.reduce<AccountState>(reduceAccount, emptyAccountState);
    expect(state.positions.size).toBe(0);
    expect(state.eventSeq).toBe(3);
  });
});

/** The sweep as the reducer takes it: requested after `seq` events had arrived. */
function snapshotEvent(snapshot: Record['snapshots'][number]): AccountEvent {
  return {
    type: 'snapshot',
    time: 0,
    seq: snapshot.seq,
    symbols: ['BTC/USDC:USDC', 'ETH/USDC:USDC'],
    positions: snapshot.state.positions,
    orders: snapshot.state.orders,
    conditionalOrders: snapshot.state.conditionalOrders,
  };
}
