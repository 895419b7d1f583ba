/** Several sources as one (e.g. one replay file per symbol): batches merged by time. */
import type { MarketSource, MarketTick } from './market-tick';

export function mergeMarketSources(sources: readonly MarketSource[]): MarketSource {
  const symbols = sources.flatMap((source) => source.symbols);
  if (new Set(symbols).size !== symbols.length)
    throw new RangeError('merged sources must not share a symbol');

  function peekTime(): number | undefined {
    let earliest: number | undefined;
    for (const source of sources) {
      const time = source.peekTime();
      if (time !== undefined && (earliest === undefined || time < earliest)) earliest = time;
    }
    return earliest;
  }

  return {
    symbols,
    get ended() {
      return sources.every((source) => source.ended);
    },
    peekTime,
    next(): MarketTick[] {
      const time = peekTime();
      if (time === undefined) return [];
      const ticks: MarketTick[] = [];
      for (const source of sources) {
        if (source.peekTime() !== time) continue;
        for (const tick of source.next()) ticks.push(tick);
      }
      return ticks;
    },
  };
}
