/**
 * The core's events that carry views of the state (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE, MARGIN_CALL). Each
 * keeps snapshots of its moment (views.ts) and formats its views when first read, then keeps them: a
 * fill emits an order and an account event, and formatting their figures exactly costs more than the
 * fill itself, which a consumer that never reads them (no user-data subscriber) should not pay.
 * The views are own enumerable getters, so spreading, JSON and deep equality see plain data.
 */
import type { AccountState, AssetState, OrderState, PositionState } from './core-state';
import type { AssetView, CoreEvent, ExecutionType, FillView, OrderView, PositionView } from './types';
import type { PositionSnapshot } from './views';
import { assetView, orderView, positionView, snapshotAsset, snapshotPosition } from './views';

export type AccountEventReason = Extract<CoreEvent, { kind: 'account' }>['reason'];

/** An order event: the order's view as it is now (a shallow copy: its mutable fields are plain values). */
export function orderEvent(
  order: OrderState,
  execution: ExecutionType,
  time: number,
  fill?: FillView,
): CoreEvent {
  const snapshot: Readonly<OrderState> = { ...order };
  let view: OrderView | undefined;
  const accountId = order.account.id;
  if (fill === undefined) {
    return {
      kind: 'order',
      accountId,
      time,
      execution,
      get order(): OrderView {
        return (view ??= orderView(snapshot));
      },
    };
  }
  return {
    kind: 'order',
    accountId,
    time,
    execution,
    get order(): OrderView {
      return (view ??= orderView(snapshot));
    },
    fill,
  };
}

/** An ACCOUNT_UPDATE of one margin asset and the positions that changed, as they are now. */
export function accountEvent(
  account: AccountState,
  asset: AssetState,
  positions: readonly PositionState[],
  reason: AccountEventReason,
  time: number,
): CoreEvent {
  const assetSnapshot = snapshotAsset(account, asset);
  const positionSnapshots = positions.map(snapshotPosition);
  let balances: AssetView[] | undefined;
  let positionViews: PositionView[] | undefined;
  return {
    kind: 'account',
    accountId: account.id,
    time,
    reason,
    get balances(): AssetView[] {
      return (balances ??= [assetView(assetSnapshot)]);
    },
    get positions(): PositionView[] {
      return (positionViews ??= positionSnapshots.map(positionView));
    },
  };
}

/** A MARGIN_CALL of the positions at risk, as they are now. */
export function marginCallEvent(
  account: AccountState,
  crossWalletBalance: string,
  positions: readonly PositionState[],
  time: number,
): CoreEvent {
  const snapshots: readonly PositionSnapshot[] = positions.map(snapshotPosition);
  let views: PositionView[] | undefined;
  return {
    kind: 'marginCall',
    accountId: account.id,
    time,
    crossWalletBalance,
    get positions(): PositionView[] {
      return (views ??= snapshots.map(positionView));
    },
  };
}
