/**
 * `reconcile(exchangeState, localIntents, policy)`: a pure function from what the exchange holds and what the
 * bot believes it holds to the actions that make every position protected and nothing stale remain.
 *
 * It never returns an action that increases exposure: every order it places is reduce-only on the side
 * that closes an existing position, for at most that position's quantity; it never cancels a position's
 * last covering stop-loss, and it cancels partial stop-losses only after (later in the list than) the
 * stop-loss that replaces them. `applyReconcileActions` carries the actions out, in order.
 */
import { toDecimal } from '@bot/symbols';
import { clientOrderIdsFor, defaultClientIdPrefix } from './client-order-ids';
import type { ConditionalOrder, DecimalText, ExchangeState, Order, Position, PositionSide } from './domain';
import { closingSide, isLiveConditionalOrder, isLiveOrder } from './domain';

/** What the bot believes it holds: one open intent per symbol (one-way mode). */
export interface LocalIntent {
  readonly intentId: string;
  readonly symbol: string;
  readonly side: PositionSide;
  /** The position size the bot expects for this intent. */
  readonly quantity: DecimalText;
  readonly stopLossPrice: DecimalText;
  readonly takeProfitPrice?: DecimalText | undefined;
  readonly takeProfitLimitPrice?: DecimalText | undefined;
}

export interface ReconcilePolicy {
  /**
   * Stop distance for a position the bot knows nothing about (adopted), as a fraction of its entry price:
   * `0.02` puts a long's stop 2 % below its entry. From config (e.g. the tier's risk per trade × leverage).
   */
  readonly adoptedStopLossFraction: DecimalText;
  /** Epoch ms; makes the client ids of re-placed orders unique and repeatable. */
  readonly now: number;
  /** Must match the adapter's prefix (default `bot`). */
  readonly clientIdPrefix?: string | undefined;
}

export type ReconcileFlagCode =
  /** The position's size differs from the intent's (partial fill, manual change, missed event). */
  | 'QUANTITY_MISMATCH'
  /** A position no intent accounts for: adopted, protected with a stop from the policy. */
  | 'POSITION_ADOPTED'
  /** An intent whose position is gone (stopped out, took profit, liquidated, closed by hand). */
  | 'INTENT_CLOSED'
  /** The position's side is the opposite of the intent's; treated as an adopted position. */
  | 'SIDE_MISMATCH'
  /** An open order this bot would not have placed (not reduce-only on a symbol without a position…). */
  | 'UNEXPECTED_ORDER'
  /** More than one intent for one symbol; only the first is used. */
  | 'DUPLICATE_INTENT'
  /** The take-profit is missing but the price is already beyond it; the stop-loss still protects. */
  | 'TAKE_PROFIT_PASSED'
  /** More than one stop-loss covers the position; harmless (reduce-only), left alone. */
  | 'DUPLICATE_STOP_LOSS';

export type ReconcileAction =
  | {
      readonly type: 'place-stop-loss';
      readonly symbol: string;
      readonly positionSide: PositionSide;
      readonly quantity: string;
      readonly triggerPrice: string;
      readonly clientOrderId: string;
      readonly intentId: string | undefined;
      readonly reason: string;
    }
  | {
      readonly type: 'place-take-profit';
      readonly symbol: string;
      readonly positionSide: PositionSide;
      readonly quantity: string;
      readonly triggerPrice: string;
      readonly limitPrice: string | undefined;
      readonly clientOrderId: string;
      readonly intentId: string;
      readonly reason: string;
    }
  | {
      /** Market, reduce-only. */
      readonly type: 'close-position';
      readonly symbol: string;
      readonly positionSide: PositionSide;
      readonly quantity: string;
      readonly clientOrderId: string;
      readonly intentId: string | undefined;
      readonly reason: string;
    }
  | {
      readonly type: 'cancel-conditional-order';
      readonly symbol: string;
      readonly orderId: string;
      readonly clientOrderId: string;
      readonly reason: string;
    }
  | {
      readonly type: 'cancel-order';
      readonly symbol: string;
      readonly orderId: string;
      readonly clientOrderId: string;
      readonly reason: string;
    }
  | {
      readonly type: 'flag';
      readonly code: ReconcileFlagCode;
      readonly symbol: string;
      readonly intentId: string | undefined;
      readonly detail: string;
    };

function text(value: DecimalText): string {
  return toDecimal(value).toFixed();
}

function isProtective(order: ConditionalOrder | Order): boolean {
  return order.reduceOnly || order.closePosition;
}

function covers(order: ConditionalOrder, position: Position): boolean {
  return (
    order.closePosition || (order.quantity !== undefined && toDecimal(order.quantity).gte(position.quantity))
  );
}

/**
 * True when the mark price is already at or beyond `price` in the direction that hurts (stop) or pays (target);
 * never without a mark, so a caller that got true has one to name.
 */
function markBeyond(
  position: Position,
  price: string,
  direction: 'stop' | 'target',
): position is Position & { readonly markPrice: string } {
  if (position.markPrice === undefined) return false;
  const mark = toDecimal(position.markPrice);
  const below = position.side === 'long' ? direction === 'stop' : direction === 'target';
  return below ? mark.lte(price) : mark.gte(price);
}

function adoptedStopPrice(position: Position, fraction: string): string {
  const entry = toDecimal(position.entryPrice);
  const distance = entry.times(toDecimal(fraction));
  return (position.side === 'long' ? entry.minus(distance) : entry.plus(distance)).toFixed();
}

/** The actions that bring the exchange in line with the bot's intents; see the module comment. */
export function reconcile(
  exchangeState: ExchangeState,
  localIntents: readonly LocalIntent[],
  policy: ReconcilePolicy,
): ReconcileAction[] {
  const prefix = policy.clientIdPrefix ?? defaultClientIdPrefix;
  const generation = `r${Math.max(0, Math.floor(policy.now)).toString(36)}`;
  const fraction = toDecimal(policy.adoptedStopLossFraction);
  if (!fraction.gt(0) || !fraction.lt(1)) {
    throw new RangeError('reconcile: adoptedStopLossFraction must be between 0 and 1 (exclusive)');
  }
  const actions: ReconcileAction[] = [];
  const symbols = new Set<string>();
  const positions = new Map<string, Position>();
  for (const position of exchangeState.positions) {
    if (!toDecimal(position.quantity).gt(0)) continue;
    positions.set(position.symbol, position);
    symbols.add(position.symbol);
  }
  const intents = new Map<string, LocalIntent>();
  for (const intent of localIntents) {
    symbols.add(intent.symbol);
    const first = intents.get(intent.symbol);
    if (first) {
      actions.push({
        type: 'flag',
        code: 'DUPLICATE_INTENT',
        symbol: intent.symbol,
        intentId: intent.intentId,
        detail: `a second intent for ${intent.symbol}; only ${first.intentId} is used`,
      });
      continue;
    }
    intents.set(intent.symbol, intent);
  }
  const conditionalBySymbol = groupBy(exchangeState.conditionalOrders.filter(isLiveConditionalOrder));
  const ordersBySymbol = groupBy(exchangeState.orders.filter(isLiveOrder));
  for (const symbol of [...conditionalBySymbol.keys(), ...ordersBySymbol.keys()]) symbols.add(symbol);

  for (const symbol of [...symbols].sort()) {
    const position = positions.get(symbol);
    const intent = intents.get(symbol);
    const conditional = conditionalBySymbol.get(symbol) ?? [];
    const regular = ordersBySymbol.get(symbol) ?? [];

    if (!position) {
      if (intent) {
        actions.push({
          type: 'flag',
          code: 'INTENT_CLOSED',
          symbol,
          intentId: intent.intentId,
          detail: `no ${intent.side} position on ${symbol} any more`,
        });
      }
      for (const order of conditional) {
        if (isProtective(order)) {
          actions.push({
            type: 'cancel-conditional-order',
            symbol,
            orderId: order.id,
            clientOrderId: order.clientOrderId,
            reason: `no position on ${symbol}: ${order.purpose} ${order.id} is stale`,
          });
        } else {
          actions.push(
            unexpected(symbol, order.id, `conditional ${order.type} ${order.side} not reduce-only`),
          );
        }
      }
      for (const order of regular) {
        if (isProtective(order)) {
          actions.push({
            type: 'cancel-order',
            symbol,
            orderId: order.id,
            clientOrderId: order.clientOrderId,
            reason: `no position on ${symbol}: reduce-only order ${order.id} is stale`,
          });
        }
      }
      continue;
    }

    const exitSide = closingSide(position.side);
    let plan = intent;
    if (intent && intent.side !== position.side) {
      actions.push({
        type: 'flag',
        code: 'SIDE_MISMATCH',
        symbol,
        intentId: intent.intentId,
        detail: `intent is ${intent.side}, the position is ${position.side}; protecting it as adopted`,
      });
      plan = undefined;
    }
    const ids = clientOrderIdsFor(plan ? plan.intentId : `adopted:${symbol}:${position.side}`, prefix);

    // Reduce-only conditional orders on the opening side can never reduce this position.
    for (const order of conditional) {
      if (isProtective(order) && order.side !== exitSide) {
        actions.push({
          type: 'cancel-conditional-order',
          symbol,
          orderId: order.id,
          clientOrderId: order.clientOrderId,
          reason: `${order.purpose} ${order.id} is on the ${order.side} side, which cannot reduce a ${position.side}`,
        });
      } else if (!isProtective(order)) {
        actions.push(unexpected(symbol, order.id, `conditional ${order.type} ${order.side} not reduce-only`));
      }
    }

    const stops = conditional.filter(
      (order) => order.purpose === 'stop-loss' && order.side === exitSide && isProtective(order),
    );
    const covering = stops.filter((order) => covers(order, position));
    const stopPrice = plan ? text(plan.stopLossPrice) : adoptedStopPrice(position, fraction.toFixed());

    if (!plan) {
      actions.push({
        type: 'flag',
        code: 'POSITION_ADOPTED',
        symbol,
        intentId: undefined,
        detail: `${position.side} ${position.quantity} ${symbol} at ${position.entryPrice} is not the bot's; ${
          covering.length > 0 ? 'it already has a stop-loss' : `protecting it with a stop at ${stopPrice}`
        }`,
      });
    } else if (!toDecimal(plan.quantity).eq(position.quantity)) {
      actions.push({
        type: 'flag',
        code: 'QUANTITY_MISMATCH',
        symbol,
        intentId: plan.intentId,
        detail: `expected ${text(plan.quantity)}, the exchange holds ${position.quantity}`,
      });
    }

    if (covering.length === 0) {
      if (markBeyond(position, stopPrice, 'stop')) {
        actions.push({
          type: 'close-position',
          symbol,
          positionSide: position.side,
          quantity: position.quantity,
          clientOrderId: ids.close(generation),
          intentId: plan?.intentId,
          reason: `no stop-loss, and the mark price ${position.markPrice} is already beyond the stop ${stopPrice}`,
        });
        continue;
      }
      actions.push({
        type: 'place-stop-loss',
        symbol,
        positionSide: position.side,
        quantity: position.quantity,
        triggerPrice: stopPrice,
        clientOrderId: ids.stopLoss(generation),
        intentId: plan?.intentId,
        reason:
          stops.length > 0
            ? `stop-losses cover less than the position's ${position.quantity}`
            : 'the position has no stop-loss',
      });
      for (const order of stops) {
        actions.push({
          type: 'cancel-conditional-order',
          symbol,
          orderId: order.id,
          clientOrderId: order.clientOrderId,
          reason: `replaced by a stop-loss for the whole ${position.quantity}`,
        });
      }
    } else if (covering.length > 1) {
      actions.push({
        type: 'flag',
        code: 'DUPLICATE_STOP_LOSS',
        symbol,
        intentId: plan?.intentId,
        detail: `${covering.length} stop-losses cover the position: ${covering.map((order) => order.id).join(', ')}`,
      });
    }

    if (plan?.takeProfitPrice !== undefined) {
      const targetPrice = text(plan.takeProfitPrice);
      const hasTarget =
        conditional.some(
          (order) => order.purpose === 'take-profit' && order.side === exitSide && isProtective(order),
        ) || regular.some((order) => order.side === exitSide && isProtective(order));
      if (!hasTarget) {
        if (markBeyond(position, targetPrice, 'target')) {
          actions.push({
            type: 'flag',
            code: 'TAKE_PROFIT_PASSED',
            symbol,
            intentId: plan.intentId,
            detail: `the take-profit ${targetPrice} is missing and the mark ${position.markPrice} is already beyond it`,
          });
        } else {
          actions.push({
            type: 'place-take-profit',
            symbol,
            positionSide: position.side,
            quantity: position.quantity,
            triggerPrice: targetPrice,
            limitPrice: plan.takeProfitLimitPrice === undefined ? undefined : text(plan.takeProfitLimitPrice),
            clientOrderId: ids.takeProfit(generation),
            intentId: plan.intentId,
            reason: 'the position has no take-profit',
          });
        }
      }
    }
  }
  return actions;
}

function unexpected(symbol: string, orderId: string, detail: string): ReconcileAction {
  return {
    type: 'flag',
    code: 'UNEXPECTED_ORDER',
    symbol,
    intentId: undefined,
    detail: `${orderId}: ${detail}`,
  };
}

function groupBy<T extends { readonly symbol: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.symbol);
    if (group) group.push(item);
    else groups.set(item.symbol, [item]);
  }
  return groups;
}
