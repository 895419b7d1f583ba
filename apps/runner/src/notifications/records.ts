import type { RationaleInput } from '@bot/audit';
import { toExchangeId } from '@bot/symbols';
import type { Notification } from './messages';

/** The decision an entry's result completes (its `order.place` record), by intent id. */
interface PlacedEntry {
  readonly symbol: string;
  readonly side: string;
  readonly size: unknown;
  readonly stopLoss: unknown;
  readonly takeProfit: unknown;
}

function record(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function signed(value: number, quote: string): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(2)} ${quote}`;
}

/** `BTCUSDC` for `BTC/USDC:USDC`, as the log says it; any other text as it is. */
function market(symbol: unknown): string {
  if (typeof symbol !== 'string') return '';
  try {
    return toExchangeId(symbol);
  } catch {
    return symbol;
  }
}

/**
 * Reads the audit trail's records as they are appended and says which are worth a notification: the
 * trail already holds every decision with its reason, so notifications are one view of it, not a second
 * set of calls in the trading code. Entries (`order.result` of a protected entry, with its `order.place`),
 * exits (`position.close` with the exchange's PnL), halts (`trading.pause`), resumes (`trading.resume`,
 * `entries.resume`), and every other record that names a playbook.
 */
export class RecordReader {
  readonly #quote: string;
  readonly #placed = new Map<string, PlacedEntry>();
  /** Fees of the trades closed since the last `takeFees`, for the daily summary. */
  #fees = 0;

  constructor(quote: string) {
    this.#quote = quote;
  }

  /** Fees of the trades closed since the last call, and starts counting again. */
  takeFees(): number {
    const fees = this.#fees;
    this.#fees = 0;
    return fees;
  }

  rationale(input: RationaleInput, time: string): Notification | undefined {
    const risk = record(input.risk);
    const playbook = text(risk['playbook']);
    const symbol = market(input.symbol);
    switch (input.action) {
      case 'order.place': {
        const intentId = text(risk['intentId']);
        if (intentId !== undefined && typeof input.symbol === 'string') {
          this.#placed.set(intentId, {
            symbol: input.symbol,
            side: input.side === 'buy' ? 'long' : 'short',
            size: input.size,
            stopLoss: risk['stopLoss'],
            takeProfit: risk['takeProfit'],
          });
        }
        return undefined;
      }
      case 'position.close': {
        // The settled close carries the exchange's PnL; the close orders before it are only decisions.
        const pnl = risk['pnl'];
        if (typeof pnl !== 'number') return undefined;
        const fees = typeof risk['fees'] === 'number' ? risk['fees'] : 0;
        this.#fees += fees;
        const reason = text(risk['reason']) ?? 'closed';
        return {
          event: 'exit',
          time,
          text: `exit ${symbol} ${input.side ?? ''}: ${reason}, PnL ${signed(pnl, this.#quote)}`,
          data: { symbol, side: input.side ?? null, reason, pnl, fees, quote: this.#quote },
        };
      }
      case 'trading.pause':
        return {
          event: 'halt',
          time,
          text: `trading halted: ${input.why}${playbook ? ` (playbook ${playbook})` : ''}`,
          data: { why: input.why, playbook: playbook ?? null, halt: text(risk['halt']) ?? null },
        };
      case 'trading.resume':
      case 'entries.resume':
        return {
          event: 'resume',
          time,
          text: `trading resumed: ${input.why}`,
          data: { why: input.why, playbook: playbook ?? null },
        };
      default:
        if (playbook === undefined) return undefined;
        return {
          event: 'playbook',
          time,
          text: `playbook ${playbook}: ${input.why}`,
          data: { playbook, action: input.action, symbol: symbol || null, why: input.why },
        };
    }
  }

  append(kind: string, payload: unknown, time: string): Notification | undefined {
    const fields = record(payload);
    if (kind === 'order.result') {
      const intentId = text(fields['intentId']) ?? '';
      const placed = this.#placed.get(intentId);
      this.#placed.delete(intentId);
      // Only an entry that is open and protected is an entry; any other outcome comes with its incident.
      if (placed === undefined || fields['status'] !== 'protected') return undefined;
      const symbol = market(placed.symbol);
      const price = fields['averagePrice'] ?? 'market';
      return {
        event: 'entry',
        time,
        text: `entry ${symbol} ${placed.side} ${String(fields['filledQuantity'])} at ${String(price)}, stop-loss ${String(placed.stopLoss)}, take-profit ${String(placed.takeProfit)}`,
        data: {
          symbol,
          side: placed.side,
          quantity: fields['filledQuantity'] ?? null,
          averagePrice: fields['averagePrice'] ?? null,
          stopLoss: placed.stopLoss ?? null,
          takeProfit: placed.takeProfit ?? null,
        },
      };
    }
    const playbook = text(fields['playbook']);
    if (kind !== 'incident' || playbook === undefined) return undefined;
    const what = text(fields['message']) ?? text(fields['error']) ?? text(fields['code']) ?? 'incident';
    const symbol = market(fields['symbol']);
    return {
      event: 'playbook',
      time,
      text: `playbook ${playbook}: ${symbol ? `${symbol}: ` : ''}${what}`,
      data: { playbook, code: fields['code'] ?? null, symbol: symbol || null, message: what },
    };
  }
}
