export { Trader } from './trader';
export type { RunSummary } from './trader';
export type { FeedTuning, TraderOptions } from './context';
export { UnknownSymbolError } from './startup';
