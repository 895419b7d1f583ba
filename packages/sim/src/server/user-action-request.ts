import type { UserAction, UserActionName } from '../user-actions';
import { expectKeys, isObject } from './faults';

/** The keys each action takes besides `action` and `accountId`, and which of them are required. */
const ACTION_KEYS: Readonly<Record<UserActionName, { required: string[]; optional: string[] }>> = {
  openPosition: { required: ['symbol', 'side', 'quantity'], optional: [] },
  closePosition: { required: ['symbol'], optional: ['quantity'] },
  cancelProtection: { required: [], optional: ['algoId', 'symbol', 'kind'] },
  setLeverage: { required: ['symbol', 'leverage'], optional: [] },
  setMarginType: { required: ['symbol', 'marginType'], optional: [] },
  withdraw: { required: ['asset', 'amount'], optional: [] },
};

const isActionName = (value: unknown): value is UserActionName =>
  typeof value === 'string' && Object.hasOwn(ACTION_KEYS, value);

function nonEmptyString(value: unknown, key: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${key} must be a non-empty string`);
  return value;
}

/** A quantity or amount: a decimal string, or a finite JSON number (the core checks its value). */
function decimal(value: unknown, key: string): string {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new TypeError(`${key} must be a decimal string or a finite number`);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], key: string): T {
  if (!(allowed as readonly unknown[]).includes(value))
    throw new TypeError(`${key} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function integer(value: unknown, key: string): number {
  if (!Number.isSafeInteger(value)) throw new TypeError(`${key} must be an integer`);
  return value as number;
}

/**
 * Checks the JSON body of `POST /_sim/user` the way faultsFromJson checks faults: an unknown action or
 * key, a missing key or a wrong type is refused with a TypeError naming it (answered with 400).
 */
export function userActionFromJson(body: Record<string, unknown>): UserAction {
  if (!isObject(body)) throw new TypeError('the body must be an object');
  const { action } = body;
  if (!isActionName(action))
    throw new TypeError(`action must be one of ${Object.keys(ACTION_KEYS).join(', ')}`);
  const { required, optional } = ACTION_KEYS[action];
  expectKeys(body, ['action', 'accountId', ...required, ...optional], `the ${action} action`);
  for (const key of required) {
    if (body[key] === undefined) throw new TypeError(`${key} is required for ${action}`);
  }
  const accountId =
    body.accountId === undefined ? {} : { accountId: nonEmptyString(body.accountId, 'accountId') };
  switch (action) {
    case 'openPosition':
      return {
        action,
        ...accountId,
        symbol: nonEmptyString(body.symbol, 'symbol'),
        side: oneOf(body.side, ['BUY', 'SELL'], 'side'),
        quantity: decimal(body.quantity, 'quantity'),
      };
    case 'closePosition':
      return {
        action,
        ...accountId,
        symbol: nonEmptyString(body.symbol, 'symbol'),
        ...(body.quantity === undefined ? {} : { quantity: decimal(body.quantity, 'quantity') }),
      };
    case 'cancelProtection':
      return {
        action,
        ...accountId,
        ...(body.algoId === undefined ? {} : { algoId: integer(body.algoId, 'algoId') }),
        ...(body.symbol === undefined ? {} : { symbol: nonEmptyString(body.symbol, 'symbol') }),
        ...(body.kind === undefined
          ? {}
          : { kind: oneOf(body.kind, ['stopLoss', 'takeProfit'] as const, 'kind') }),
      };
    case 'setLeverage':
      return {
        action,
        ...accountId,
        symbol: nonEmptyString(body.symbol, 'symbol'),
        leverage: integer(body.leverage, 'leverage'),
      };
    case 'setMarginType':
      return {
        action,
        ...accountId,
        symbol: nonEmptyString(body.symbol, 'symbol'),
        marginType: oneOf(body.marginType, ['CROSSED', 'ISOLATED'], 'marginType'),
      };
    case 'withdraw':
      return {
        action,
        ...accountId,
        asset: nonEmptyString(body.asset, 'asset'),
        amount: decimal(body.amount, 'amount'),
      };
  }
}
