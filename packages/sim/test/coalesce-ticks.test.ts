/**
 * `coalesceTicks` (the runner's in-process feed, `bot backtest`): a replayed tick whose symbol's next tick is
 * due in the same clock move makes no payload; the matching core still plays it unless the symbol has no
 * order and no position (then only its book moves). A listener that keeps each stream's latest payload, REST
 * and the matching core must see what they see without it, whatever fires inside the move.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSim } from '../src/index';
import type { Candle, Sim } from '../src/index';

const start = Date.UTC(2026, 0, 1);

/** 40 minutes of BTCUSDC, each candle a different path (up and down legs, changing range). */
function candles(): Candle[] {
  const rows: Candle[] = [];
  let price = 60_000;
  for (let minute = 0; minute < 40; minute += 1) {
    const move = ((minute * 37) % 11) - 5;
    const open = price;
    const close = price + move * 10;
    const high = Math.max(open, close) + 20 + (minute % 3) * 10;
    const low = Math.min(open, close) - 15 - (minute % 4) * 10;
    rows.push({
      openTime: start + minute * 60_000,
      open: open.toFixed(1),
      high: high.toFixed(1),
      low: low.toFixed(1),
      close: close.toFixed(1),
      volume: (10 + minute).toFixed(3),
    });
    price = close;
  }
  return rows;
}

const streams = ['btcusdc@kline_15m', 'btcusdc@kline_1m', 'btcusdc@markPrice@1s'];

interface Heard {
  readonly sim: Sim;
  readonly payloads: { stream: string; payload: Record<string, unknown> }[];
}

const running: Sim[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

async function started(coalesceTicks: boolean): Promise<Heard> {
  const sim = await startSim({
    listen: false,
    speed: 'manual',
    replay: { symbol: 'BTCUSDC', candles: candles() },
    coalesceTicks,
  });
  running.push(sim);
  const payloads: Heard['payloads'] = [];
  sim.streams.listen(streams, (stream, payload) =>
    payloads.push({ stream, payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown> }),
  );
  return { sim, payloads };
}

/** What a listener that keeps each stream's latest payload (and every closed kline) is left with. */
function kept(payloads: Heard['payloads']): unknown[] {
  const latest = new Map<string, unknown>();
  const closed: unknown[] = [];
  for (const { stream, payload } of payloads) {
    if ((payload['k'] as { x?: boolean } | undefined)?.x === true) closed.push({ stream, payload });
    else latest.set(stream, payload);
  }
  return [closed, [...latest]];
}

/** What REST and the matching core show after a move. */
async function state(sim: Sim): Promise<unknown> {
  const read = async (path: string) => (await sim.fetch(`${sim.url}${path}`)).json();
  return {
    market: sim.core.market('BTCUSDC'),
    premium: await read('/fapi/v1/premiumIndex?symbol=BTCUSDC'),
    book: await read('/fapi/v1/ticker/bookTicker?symbol=BTCUSDC'),
    klines: await read('/fapi/v1/klines?symbol=BTCUSDC&interval=1m&limit=30'),
    trades: await read('/fapi/v1/aggTrades?symbol=BTCUSDC&limit=200'),
  };
}

describe('coalesceTicks', () => {
  it('leaves a latest-payload listener, REST and the core as every tick would, from one payload per stream per move', async () => {
    const plain = await started(false);
    const coalesced = await started(true);
    for (const ms of [15 * 60_000, 7_000, 15 * 60_000 - 7_000, 45_000, 60_000]) {
      const seenPlain = plain.payloads.length;
      const seenCoalesced = coalesced.payloads.length;
      plain.sim.advance(ms);
      coalesced.sim.advance(ms);
      expect(kept(coalesced.payloads.slice(seenCoalesced))).toEqual(kept(plain.payloads.slice(seenPlain)));
      expect(await state(coalesced.sim)).toEqual(await state(plain.sim));
    }
    const marks = (heard: Heard) =>
      heard.payloads.filter(({ stream }) => stream === 'btcusdc@markPrice@1s').length;
    // Five moves: a mark per move once coalesced, one per tick (15 s) otherwise.
    expect(marks(coalesced)).toBeLessThanOrEqual(5 + 1);
    expect(marks(plain)).toBeGreaterThan(100);
  });

  it('plays every tick of a symbol with a position and orders in the core: the same fills, stop and account', async () => {
    const plain = await started(false);
    const coalesced = await started(true);
    // Minute 1 opens a long; the 15 minutes after it reach down to their lowest low inside the move, where a
    // stop sits one tick above it, and a resting buy halfway between that low and the price.
    const lows = candles()
      .slice(2, 15)
      .map((candle) => Number(candle.low));
    const lowest = Math.min(...lows);
    for (const heard of [plain, coalesced]) {
      const { sim } = heard;
      sim.advance(60_000);
      sim.actAsUser({ action: 'openPosition', symbol: 'BTCUSDC', side: 'BUY', quantity: '0.010' });
      const accountId = sim.accounts[0]!.accountId;
      const last = Number(sim.core.market('BTCUSDC').lastPrice);
      sim.core.placeAlgoOrder(
        accountId,
        {
          symbol: 'BTCUSDC',
          side: 'SELL',
          type: 'STOP_MARKET',
          triggerPrice: (lowest + 0.1).toFixed(1),
          closePosition: true,
        },
        sim.marketTime(),
      );
      sim.core.placeOrder(
        accountId,
        {
          symbol: 'BTCUSDC',
          side: 'BUY',
          type: 'LIMIT',
          price: ((last + lowest) / 2).toFixed(1),
          quantity: '0.005',
          timeInForce: 'GTC',
        },
        sim.marketTime(),
      );
    }
    const seenPlain = plain.payloads.length;
    const seenCoalesced = coalesced.payloads.length;
    plain.sim.advance(15 * 60_000);
    coalesced.sim.advance(15 * 60_000);
    expect(kept(coalesced.payloads.slice(seenCoalesced))).toEqual(kept(plain.payloads.slice(seenPlain)));
    expect(await state(coalesced.sim)).toEqual(await state(plain.sim));
    const account = (sim: Sim) => {
      const accountId = sim.accounts[0]!.accountId;
      return {
        positions: sim.core.positions(accountId),
        orders: sim.core.allOrders(accountId),
        algoOrders: sim.core.allAlgoOrders(accountId),
        fills: sim.core.fills(accountId),
        assets: sim.core.assets(accountId),
        ledger: sim.core.ledger(accountId),
      };
    };
    expect(account(coalesced.sim)).toEqual(account(plain.sim));
    // The stop and the buy filled inside the move, not at its last tick; one mark payload for the move.
    const end = plain.sim.marketTime();
    const fills = account(plain.sim).fills.filter((fill) => fill.time > end - 15 * 60_000);
    expect(fills.map((fill) => fill.side).sort()).toEqual(['BUY', 'SELL']);
    expect(Math.max(...fills.map((fill) => fill.time))).toBeLessThan(end - 60_000);
    const marks = (heard: Heard, from: number) =>
      heard.payloads.slice(from).filter(({ stream }) => stream === 'btcusdc@markPrice@1s').length;
    expect(marks(coalesced, seenCoalesced)).toBe(1);
    expect(marks(plain, seenPlain)).toBe(60);
  });
});
