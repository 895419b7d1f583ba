/**
 * The events of orders and fills, kept as integer snapshots of their moment and printed when first read.
 * A book-walking order emits three events per fill, and many readers look at few of their ~25 figures (the
 * emulator never prints the trade prints, the backtest's own reader takes only the fills), so the fill path
 * stores integers and the getters below format them once, on first read (README, "Performance").
 * Fixed-shape classes with prototype getters: a property read or `JSON.stringify` (through `toJSON`, in the
 * key order the plain objects had) sees every view; spreading or `Object.keys` does not.
 */
import type { AssetTotals } from './account-figures';
import { assetFiguresOf } from './account-figures';
import type { AssetState, InstrumentState, OrderState } from './core-state';
import { formatMoneyUnits, formatPriceUnits, formatQuantityUnits, pricePlaces } from './decimal-format';
import type { AssetView, ExecutionType, FillView, OrderStatus, OrderView, PositionView, Side } from './types';
import type { PositionMoment } from './views';
import { assetRow, orderViewAt, positionRow } from './views';

/** A fill's row as Binance prints it, from its integer figures. */
export function fillView(
  tradeId: number,
  orderId: number,
  instrument: InstrumentState,
  side: Side,
  price: bigint,
  quantity: bigint,
  notional: bigint,
  commission: bigint,
  realized: bigint,
  maker: boolean,
  time: number,
): FillView {
  return {
    tradeId,
    orderId,
    symbol: instrument.symbol,
    side,
    price: formatPriceUnits(price, instrument.tickDecimals),
    qty: formatQuantityUnits(quantity, instrument.quantityPlaces, instrument.stepDecimals),
    quoteQty: formatMoneyUnits(notional, pricePlaces + instrument.quantityPlaces),
    commission: formatMoneyUnits(commission),
    commissionAsset: instrument.marginAsset,
    realizedPnl: formatMoneyUnits(realized),
    maker,
    time,
  };
}

/** One execution in integer units, as its events hold it (the account's history keeps it in columns). */
export class FillRecord {
  #view: FillView | undefined = undefined;

  constructor(
    readonly tradeId: number,
    readonly orderId: number,
    readonly instrument: InstrumentState,
    readonly side: Side,
    /** Price units (10^-8). */
    readonly priceUnits: bigint,
    /** Quantity units of the instrument. */
    readonly quantityUnits: bigint,
    /** price × quantity, at price + quantity places. */
    readonly notionalUnits: bigint,
    /** Money units. */
    readonly commissionUnits: bigint,
    readonly realizedUnits: bigint,
    readonly maker: boolean,
    readonly time: number,
  ) {}

  view(): FillView {
    return (this.#view ??= fillView(
      this.tradeId,
      this.orderId,
      this.instrument,
      this.side,
      this.priceUnits,
      this.quantityUnits,
      this.notionalUnits,
      this.commissionUnits,
      this.realizedUnits,
      this.maker,
      this.time,
    ));
  }
}

/** An ORDER_TRADE_UPDATE: the order as it was at `time` (what a later amendment or fill changes is copied). */
export class OrderEvent {
  readonly kind = 'order' as const;
  readonly #order: OrderState;
  readonly #status: OrderStatus;
  readonly #executedUnits: bigint;
  readonly #cumulativeQuoteUnits: bigint;
  readonly #updateTime: number;
  readonly #priceText: string;
  readonly #origQuantityText: string;
  readonly #fill: FillRecord | undefined;
  #view: OrderView | undefined = undefined;

  constructor(
    readonly accountId: string,
    readonly time: number,
    readonly execution: ExecutionType,
    order: OrderState,
    fill: FillRecord | undefined,
  ) {
    this.#order = order;
    this.#status = order.status;
    this.#executedUnits = order.executedUnits;
    this.#cumulativeQuoteUnits = order.cumulativeQuoteUnits;
    this.#updateTime = order.updateTime;
    this.#priceText = order.priceText;
    this.#origQuantityText = order.origQuantityText;
    this.#fill = fill;
  }

  get order(): OrderView {
    return (this.#view ??= orderViewAt(
      this.#order,
      this.#status,
      this.#executedUnits,
      this.#cumulativeQuoteUnits,
      this.#updateTime,
      this.#priceText,
      this.#origQuantityText,
    ));
  }

  /** Set on TRADE and CALCULATED executions. */
  get fill(): FillView | undefined {
    return this.#fill?.view();
  }

  toJSON(): object {
    const { kind, accountId, time, execution, order } = this;
    const fill = this.fill;
    return fill === undefined
      ? { kind, accountId, time, execution, order }
      : { kind, accountId, time, execution, order, fill };
  }
}

/** A public trade print of a fill (for aggTrade streams). */
export class TradeEvent {
  readonly kind = 'trade' as const;
  readonly #fill: FillRecord;

  constructor(
    readonly symbol: string,
    readonly time: number,
    fill: FillRecord,
    readonly buyerIsMaker: boolean,
  ) {
    this.#fill = fill;
  }

  get price(): string {
    return this.#fill.view().price;
  }

  get qty(): string {
    return this.#fill.view().qty;
  }

  toJSON(): object {
    const { kind, symbol, time, price, qty, buyerIsMaker } = this;
    return { kind, symbol, time, price, qty, buyerIsMaker };
  }
}

/** The ACCOUNT_UPDATE of a fill (reason ORDER): the margin asset's figures and the filled position's row. */
export class FillAccountEvent {
  readonly kind = 'account' as const;
  readonly reason = 'ORDER' as const;
  readonly #asset: string;
  readonly #assetUpdateTime: number;
  readonly #crossWalletUnits: bigint;
  /** The asset's other positions (and the filled one's open-order margin and isolated wallet); often null. */
  readonly #totals: AssetTotals | null;
  readonly #position: PositionMoment;
  #balances: readonly AssetView[] | undefined = undefined;
  #positions: readonly PositionView[] | undefined = undefined;

  constructor(
    readonly accountId: string,
    readonly time: number,
    asset: AssetState,
    totals: AssetTotals | null,
    position: PositionMoment,
  ) {
    this.#asset = asset.asset;
    this.#assetUpdateTime = asset.updateTime;
    this.#crossWalletUnits = asset.crossWalletUnits;
    this.#totals = totals;
    this.#position = position;
  }

  get balances(): readonly AssetView[] {
    if (this.#balances === undefined) {
      const figures = assetFiguresOf(this.#crossWalletUnits, this.#totals, this.#position);
      this.#balances = [assetRow(this.#asset, figures, this.#assetUpdateTime)];
    }
    return this.#balances;
  }

  get positions(): readonly PositionView[] {
    return (this.#positions ??= [positionRow(this.#position)]);
  }

  toJSON(): object {
    const { kind, accountId, time, reason, balances, positions } = this;
    return { kind, accountId, time, reason, balances, positions };
  }
}
