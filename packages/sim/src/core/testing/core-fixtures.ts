import { MatchingCore } from '../matching-core';
import type { MatchingCoreOptions } from '../matching-core';
import type { CoreEvent, InstrumentSpec } from '../types';

/** BTCUSDC with Binance-like filters (tick 0.1, step 0.001, min notional 5, MMR 0.4 %). */
export const btcSpec: InstrumentSpec = {
  symbol: 'BTCUSDC',
  baseAsset: 'BTC',
  quoteAsset: 'USDC',
  marginAsset: 'USDC',
  tickSize: '0.1',
  minPrice: '0.1',
  maxPrice: '4529764',
  stepSize: '0.001',
  minQty: '0.001',
  maxQty: '1000',
  marketMaxQty: '120',
  minNotional: '5',
  maxLeverage: 125,
  maintenanceMarginRate: 0.004,
  percentPriceUp: '1.05',
  percentPriceDown: '0.95',
};

/** ETHUSDC (tick 0.01, step 0.001, MMR 0.5 %). */
export const ethSpec: InstrumentSpec = {
  symbol: 'ETHUSDC',
  baseAsset: 'ETH',
  quoteAsset: 'USDC',
  marginAsset: 'USDC',
  tickSize: '0.01',
  minPrice: '0.01',
  maxPrice: '300000',
  stepSize: '0.001',
  minQty: '0.001',
  maxQty: '10000',
  marketMaxQty: '2000',
  minNotional: '5',
  maxLeverage: 100,
  maintenanceMarginRate: 0.005,
  percentPriceUp: '1.05',
  percentPriceDown: '0.95',
};

/** A USDT-margined symbol with a coarse step (0.005) to exercise -4023 apart from -1111. */
export const solSpec: InstrumentSpec = {
  symbol: 'SOLUSDT',
  baseAsset: 'SOL',
  quoteAsset: 'USDT',
  marginAsset: 'USDT',
  tickSize: '0.05',
  minPrice: '0.05',
  maxPrice: '20000',
  stepSize: '0.005',
  minQty: '0.01',
  maxQty: '100000',
  marketMaxQty: '5000',
  minNotional: '5',
  maxLeverage: 50,
  maintenanceMarginRate: 0.01,
  percentPriceUp: '1.05',
  percentPriceDown: '0.95',
};

export const startTime = Date.UTC(2026, 0, 5, 1, 0, 0); // 01:00 UTC, between funding boundaries

/** A core with BTCUSDC/ETHUSDC/SOLUSDT, account "alice" holding 10 000 USDC, and BTC at last = mark = 60000. */
export function createCore(options: Partial<MatchingCoreOptions> = {}, balance = '10000'): MatchingCore {
  const core = new MatchingCore({ instruments: [btcSpec, ethSpec, solSpec], ...options });
  core.addAccount('alice', { USDC: balance, USDT: '1000' }, startTime);
  core.updateMarket({ symbol: 'BTCUSDC', lastPrice: '60000', markPrice: '60000', time: startTime });
  core.updateMarket({ symbol: 'ETHUSDC', lastPrice: '3000', markPrice: '3000', time: startTime });
  core.updateMarket({ symbol: 'SOLUSDT', lastPrice: '150', markPrice: '150', time: startTime });
  core.drainEvents();
  return core;
}

export function eventKinds(events: readonly CoreEvent[]): string[] {
  return events.map((event) => {
    switch (event.kind) {
      case 'order':
        return `order:${event.execution}:${event.order.status}`;
      case 'algo':
        return `algo:${event.algo.algoStatus}`;
      case 'account':
        return `account:${event.reason}`;
      default:
        return event.kind;
    }
  });
}
