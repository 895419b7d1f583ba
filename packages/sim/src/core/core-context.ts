/**
 * The matching core's state as one plain object (accounts, instruments, fee rates, id counters, the event
 * queue), with the lookups every concern needs. `MatchingCore` holds one; the modules beside it
 * (order entry, fills, algo triggers, margin and liquidation, funding, accounts) are functions over it.
 */
import type Decimal from 'decimal.js';
import type { ScaledDecimal } from '@bot/symbols';
import { normalizeScaled, parseScaledDecimal } from '@bot/symbols';
import type {
  AccountState,
  AlgoState,
  AssetState,
  InstrumentState,
  OrderState,
  PositionState,
} from './core-state';
import { createInstrumentState } from './core-state';
import { CoreDecimal, moneyFloat } from './decimal-format';
import { SyntheticBook } from './order-book';
import { rejections } from './rejections';
import type {
  AlgoOrderReference,
  ConditionalOrderType,
  CoreEvent,
  CoreFaults,
  ForcedClose,
  InstrumentSpec,
  LedgerEntryView,
  OrderReference,
  OrderStatus,
  RegularOrderType,
  Side,
  TimeInForce,
  WorkingType,
} from './types';

export interface MatchingCoreOptions {
  readonly instruments: readonly InstrumentSpec[];
  /** Maker fee rate, default '0.0002'. */
  readonly makerFeeRate?: string;
  /** Taker fee rate, default '0.0005'. */
  readonly takerFeeRate?: string;
  /** Leverage of every symbol of a new account (capped at the symbol's maximum), default 20. */
  readonly defaultLeverage?: number;
  /** Funding interval, default 8 h: boundaries at multiples of it since the epoch (00:00/08:00/16:00 UTC). */
  readonly fundingIntervalMs?: number;
  /** Funding rate of every symbol until `setFundingRate`, default '0.0001'. */
  readonly defaultFundingRate?: string;
  /** `maxNotionalValue` answered by leverage and symbolConfig, default '1000000'. */
  readonly maxNotionalValue?: string;
  /** Finished orders, finished algo orders and fills kept per account for queries, default 20 000 each. */
  readonly historyLimit?: number;
  /** Seeds the order books of the instruments that have a `book` spec (default 42). */
  readonly bookSeed?: number;
}

/** Everything the core knows; the functions of the core's modules read and change it. */
export interface CoreContext {
  /** One-shot faults; each is consumed by the order it affects. */
  faults: CoreFaults;
  readonly instrumentList: readonly InstrumentState[];
  readonly instrumentsBySymbol: Map<string, InstrumentState>;
  readonly accounts: Map<string, AccountState>;
  /** Fee rates as scaled units, for the fill path. */
  readonly makerRate: ScaledDecimal;
  readonly takerRate: ScaledDecimal;
  readonly defaultLeverage: number;
  readonly fundingInterval: number;
  readonly maxNotionalValue: string;
  readonly historyLimit: number;
  /** Everything emitted since the last `drainEvents()`, in emission order. */
  events: CoreEvent[];
  nextOrderId: number;
  nextAlgoId: number;
  nextTradeId: number;
  nextTransactionId: number;
}

/** A regular order about to be admitted: validated request fields, or an algo child, or a liquidation. */
export interface OrderIntent {
  readonly instrument: InstrumentState;
  readonly side: Side;
  readonly isBuy: boolean;
  readonly type: RegularOrderType;
  readonly origType: RegularOrderType | ConditionalOrderType;
  readonly quantity: Decimal;
  /** Zero for MARKET. */
  readonly price: Decimal;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  /** Empty: generate one. */
  readonly clientOrderId: string;
  readonly stopPrice: string;
  readonly workingType: WorkingType;
  readonly forcedClose?: ForcedClose;
}

export interface Admission {
  /** The quantity after a reduce-only cut. */
  readonly quantity: Decimal;
  /** Whether the order takes liquidity at once (MARKET, or a LIMIT through the last price). */
  readonly crosses: boolean;
}

const defaultHistoryLimit = 20_000;

export function isOpenStatus(status: OrderStatus): boolean {
  return status === 'NEW' || status === 'PARTIALLY_FILLED';
}

export function removeFromArray<T>(array: T[], item: T): void {
  const index = array.indexOf(item);
  if (index >= 0) array.splice(index, 1);
}

/** The finer of two step sizes (the book counts quantities in it). */
function finerStep(left: string, right: string): string {
  return Number(left) <= Number(right) ? left : right;
}

export function clientKey(symbol: string, clientOrderId: string): string {
  return `${symbol}\u0000${clientOrderId}`;
}

export function parseMoney(text: string, what: string): Decimal {
  let value: Decimal;
  try {
    value = new CoreDecimal(text);
  } catch {
    throw new Error(`Invalid ${what} ${JSON.stringify(text)}: expected a decimal string.`);
  }
  if (!value.isFinite())
    throw new Error(`Invalid ${what} ${JSON.stringify(text)}: expected a finite number.`);
  return value;
}

/** Validates the options and builds the instruments (with their synthetic books); no accounts yet. */
export function createCoreContext(options: MatchingCoreOptions): CoreContext {
  const makerRate = parseMoney(options.makerFeeRate ?? '0.0002', 'makerFeeRate');
  const takerRate = parseMoney(options.takerFeeRate ?? '0.0005', 'takerFeeRate');
  const defaultLeverage = options.defaultLeverage ?? 20;
  const fundingInterval = options.fundingIntervalMs ?? 8 * 60 * 60 * 1000;
  if (!(fundingInterval > 0)) throw new Error('fundingIntervalMs must be positive.');
  if (!Number.isInteger(defaultLeverage) || defaultLeverage < 1) {
    throw new Error('defaultLeverage must be a positive integer.');
  }
  const fundingRate = parseMoney(options.defaultFundingRate ?? '0.0001', 'defaultFundingRate');
  const instrumentsBySymbol = new Map<string, InstrumentState>();
  const instrumentList = options.instruments.map((spec, index) => {
    if (instrumentsBySymbol.has(spec.symbol)) throw new Error(`Duplicate instrument ${spec.symbol}.`);
    const book =
      spec.book === undefined
        ? null
        : new SyntheticBook(
            spec.book,
            spec.tickSize,
            finerStep(spec.stepSize, spec.marketStepSize ?? spec.stepSize),
            options.bookSeed ?? 42,
            spec.symbol,
          );
    const instrument = createInstrumentState(spec, index, fundingRate, book);
    instrumentsBySymbol.set(spec.symbol, instrument);
    return instrument;
  });
  return {
    faults: {},
    instrumentList,
    instrumentsBySymbol,
    accounts: new Map(),
    makerRate: scaledOf(makerRate),
    takerRate: scaledOf(takerRate),
    defaultLeverage,
    fundingInterval,
    maxNotionalValue: options.maxNotionalValue ?? '1000000',
    historyLimit: options.historyLimit ?? defaultHistoryLimit,
    events: [],
    nextOrderId: 1_000_001,
    nextAlgoId: 2_000_001,
    nextTradeId: 1,
    nextTransactionId: 9_000_000_001,
  };
}

// ---------------------------------------------------------------- lookups

export function accountOf(ctx: CoreContext, accountId: string): AccountState {
  const account = ctx.accounts.get(accountId);
  if (account === undefined) throw rejections.unknownAccount();
  return account;
}

export function instrumentOf(ctx: CoreContext, symbol: string): InstrumentState {
  const instrument = ctx.instrumentsBySymbol.get(symbol);
  if (instrument === undefined) throw rejections.invalidSymbol();
  return instrument;
}

export function positionOf(account: AccountState, instrument: InstrumentState): PositionState {
  const position = account.positions[instrument.index];
  if (position === undefined) throw new Error(`No position state for ${instrument.symbol}.`);
  return position;
}

export function requireMarket(instrument: InstrumentState): void {
  if (!instrument.hasPrice) throw rejections.unknownError(`No market price for ${instrument.symbol} yet.`);
}

export function findOrder(
  account: AccountState,
  instrument: InstrumentState,
  reference: OrderReference,
): OrderState | undefined {
  let order: OrderState | undefined;
  if (reference.orderId !== undefined) {
    order = account.openOrders.get(reference.orderId) ?? account.closedOrders.get(reference.orderId);
  } else if (reference.origClientOrderId !== undefined && reference.origClientOrderId !== '') {
    order = account.clientOrderIndex.get(clientKey(instrument.symbol, reference.origClientOrderId));
  } else {
    throw rejections.eitherOrderReference('origClientOrderId', 'orderId');
  }
  return order !== undefined && order.instrument === instrument ? order : undefined;
}

export function findAlgo(account: AccountState, reference: AlgoOrderReference): AlgoState | undefined {
  if (reference.algoId !== undefined) {
    return account.openAlgos.get(reference.algoId) ?? account.closedAlgos.get(reference.algoId);
  }
  if (reference.clientAlgoId !== undefined && reference.clientAlgoId !== '') {
    return account.clientAlgoIndex.get(reference.clientAlgoId);
  }
  throw rejections.eitherOrderReference('clientAlgoId', 'algoId');
}

/** Adds a ledger entry under the next transaction id, keeping the ledger bounded. */
export function recordLedger(
  ctx: CoreContext,
  account: AccountState,
  entry: Omit<LedgerEntryView, 'tranId'>,
): void {
  account.ledger.push({ tranId: ctx.nextTransactionId++, ...entry });
  if (account.ledger.length > ctx.historyLimit + 1024)
    account.ledger = account.ledger.slice(-ctx.historyLimit);
}

/** Adds `delta` (money units) to the cross wallet; it never goes below zero (the shortfall is absorbed). */
export function creditCross(asset: AssetState, delta: bigint): void {
  let wallet = asset.crossWalletUnits + delta;
  if (wallet < 0n) wallet = 0n;
  asset.crossWalletUnits = wallet;
  asset.crossWalletFloat = moneyFloat(wallet);
}

/** A finite Decimal as exact scaled units, without trailing zeros. */
function scaledOf(value: Decimal): ScaledDecimal {
  return normalizeScaled(parseScaledDecimal(value.toFixed()));
}
