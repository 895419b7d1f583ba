import type { MatchingCore } from './core/matching-core';
import type {
  AlgoOrderView,
  AssetView,
  ConditionalOrderType,
  LeverageView,
  MarginType,
  OrderView,
  Side,
  SymbolConfigView,
} from './core/types';
import type { SeededRandom } from './market/seeded-random';

/** Which protective algo orders count as stop-losses and which as take-profits. */
const PROTECTION_TYPES: Readonly<Record<'stopLoss' | 'takeProfit', readonly ConditionalOrderType[]>> = {
  stopLoss: ['STOP_MARKET', 'STOP'],
  takeProfit: ['TAKE_PROFIT_MARKET', 'TAKE_PROFIT'],
};

/**
 * What a person does on Binance's website to the account the bot trades (`sim.actAsUser`,
 * `POST /_sim/user`). `accountId` defaults to the first account.
 */
export type UserAction =
  | {
      /** A MARKET order from the website (client id `web_…`). */
      readonly action: 'openPosition';
      readonly accountId?: string;
      readonly symbol: string;
      readonly side: Side;
      readonly quantity: string;
    }
  | {
      /** The position's "Close: Market" button: a reduce-only MARKET order, the whole position by default. */
      readonly action: 'closePosition';
      readonly accountId?: string;
      readonly symbol: string;
      readonly quantity?: string;
    }
  | {
      /** Cancels the given open stop-loss or take-profit algo order, or a random one (seeded) of those matching. */
      readonly action: 'cancelProtection';
      readonly accountId?: string;
      readonly algoId?: number;
      readonly symbol?: string;
      readonly kind?: 'stopLoss' | 'takeProfit';
    }
  | {
      readonly action: 'setLeverage';
      readonly accountId?: string;
      readonly symbol: string;
      readonly leverage: number;
    }
  | {
      /** Refused like Binance (-4047/-4048) while the symbol has open orders or a position. */
      readonly action: 'setMarginType';
      readonly accountId?: string;
      readonly symbol: string;
      readonly marginType: MarginType;
    }
  | {
      /** A transfer out of the futures wallet, at most the withdrawable amount. */
      readonly action: 'withdraw';
      readonly accountId?: string;
      readonly asset: string;
      readonly amount: string;
    };

export type UserActionName = UserAction['action'];

export type UserActionResult =
  | { readonly action: 'openPosition' | 'closePosition'; readonly order: OrderView }
  | { readonly action: 'cancelProtection'; readonly algoOrder: AlgoOrderView }
  | { readonly action: 'setLeverage'; readonly leverage: LeverageView }
  | { readonly action: 'setMarginType'; readonly symbolConfig: SymbolConfigView }
  | { readonly action: 'withdraw'; readonly balance: AssetView };

const WEB_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Performs user actions on the core with what Binance's website would send: orders with a `web_` client
 * id (20 characters after it, like the real ones), cancels and settings through the core's own commands,
 * so the user-data events are exactly those of the same action done through the API.
 */
export class UserActions {
  constructor(
    private readonly options: {
      readonly core: MatchingCore;
      readonly now: () => number;
      readonly random: SeededRandom;
      readonly defaultAccountId: string;
    },
  ) {}

  perform(request: UserAction): UserActionResult {
    const { core, now } = this.options;
    const accountId = request.accountId ?? this.options.defaultAccountId;
    if (!core.hasAccount(accountId)) throw new Error(`unknown account ${JSON.stringify(accountId)}`);
    switch (request.action) {
      case 'openPosition': {
        const order = core.placeOrder(
          accountId,
          {
            symbol: request.symbol,
            side: request.side,
            type: 'MARKET',
            quantity: request.quantity,
            newClientOrderId: this.#webClientId(),
          },
          now(),
        );
        return { action: request.action, order };
      }
      case 'closePosition': {
        const position = core.positions(accountId).find((row) => row.symbol === request.symbol);
        if (position === undefined) throw new Error(`unknown symbol ${JSON.stringify(request.symbol)}`);
        const amount = position.positionAmt;
        if (Number(amount) === 0)
          throw new Error(`${accountId} holds no ${request.symbol} position to close.`);
        const order = core.placeOrder(
          accountId,
          {
            symbol: request.symbol,
            side: amount.startsWith('-') ? 'BUY' : 'SELL',
            type: 'MARKET',
            quantity: request.quantity ?? amount.replace('-', ''),
            reduceOnly: true,
            newClientOrderId: this.#webClientId(),
          },
          now(),
        );
        return { action: request.action, order };
      }
      case 'cancelProtection': {
        const types = request.kind
          ? PROTECTION_TYPES[request.kind]
          : [...PROTECTION_TYPES.stopLoss, ...PROTECTION_TYPES.takeProfit];
        const candidates = core
          .openAlgoOrders(accountId, request.symbol)
          .filter((algo) => types.includes(algo.orderType))
          .filter((algo) => request.algoId === undefined || algo.algoId === request.algoId)
          .sort((left, right) => left.algoId - right.algoId);
        if (candidates.length === 0)
          throw new Error(`${accountId} has no open stop-loss or take-profit order matching the request.`);
        const chosen = candidates[Math.floor(this.options.random.uniform() * candidates.length)];
        const algoOrder = core.cancelAlgoOrder(accountId, { algoId: chosen!.algoId }, now());
        return { action: request.action, algoOrder };
      }
      case 'setLeverage': {
        const leverage = core.setLeverage(accountId, request.symbol, request.leverage, now());
        return { action: request.action, leverage };
      }
      case 'setMarginType': {
        core.setMarginType(accountId, request.symbol, request.marginType, now());
        const [symbolConfig] = core.symbolConfig(accountId, request.symbol);
        return { action: request.action, symbolConfig: symbolConfig! };
      }
      case 'withdraw': {
        const balance = core.withdraw(accountId, request.asset, request.amount, now());
        return { action: request.action, balance };
      }
    }
  }

  #webClientId(): string {
    let id = 'web_';
    for (let index = 0; index < 20; index += 1) {
      id += WEB_ID_ALPHABET[Math.floor(this.options.random.uniform() * WEB_ID_ALPHABET.length)];
    }
    return id;
  }
}
