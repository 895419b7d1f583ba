/** The market a run starts with: the listed contracts' books as the options say, and a synthetic or replayed market. */
import type { BookSpec } from './core/order-book';
import type { InstrumentSpec } from './core/types';
import type { ListedContract } from './instruments';
import type { MarketSource } from './market/market-tick';
import { mergeMarketSources } from './market/merge-market-sources';
import { createReplayMarket } from './market/replay-market';
import { createSyntheticMarket } from './market/synthetic-market';
import type { SimOptions } from './sim';

/** The contract with its book changed as the options say (`false`: without a book). */
export function withBook(
  instrument: InstrumentSpec,
  change: Partial<BookSpec> | false | undefined,
): InstrumentSpec {
  if (change === undefined) return instrument;
  const { book, ...rest } = instrument;
  if (change === false) return rest;
  const spreadTicks = change.spreadTicks ?? book?.spreadTicks ?? 2;
  const levelQty = change.levelQty ?? book?.levelQty ?? instrument.minQty;
  return { ...rest, book: { ...book, ...change, spreadTicks, levelQty } };
}

export function marketSource(
  options: SimOptions,
  contracts: readonly ListedContract[],
  startTime: number,
): MarketSource {
  const replays = options.replays ?? (options.replay ? [options.replay] : []);
  if (replays.length > 0) {
    const markets = replays.map((replay) => {
      const contract = contracts.find((candidate) => candidate.instrument.symbol === replay.symbol);
      if (!contract) throw new Error(`replay symbol ${replay.symbol} is not a listed contract`);
      return createReplayMarket({
        symbol: contract.instrument.symbol,
        candles: replay.candles,
        tickSize: contract.instrument.tickSize,
        ...(replay.stepSize !== undefined ? { stepSize: replay.stepSize } : {}),
      });
    });
    return markets.length === 1 ? (markets[0] as MarketSource) : mergeMarketSources(markets);
  }
  return createSyntheticMarket({
    seed: options.seed ?? 42,
    startTime,
    symbols: contracts.map(({ instrument, startPrice }) => ({
      symbol: instrument.symbol,
      startPrice,
      tickSize: instrument.tickSize,
      stepSize: instrument.stepSize,
    })),
  });
}
