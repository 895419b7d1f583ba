/**
 * Deterministic client order ids. The same intent always gives the same ids, so a retried (or restarted)
 * `openProtectedPosition` finds the orders it already placed instead of placing them again, and any
 * unknown outcome can be settled by looking the order up. Binance accepts `^[.A-Z:/a-z0-9_-]{1,36}$`.
 *
 *   <prefix><18 hex of sha256(intent id)>-<role><generation>     e.g. bot3f9a…c2-s1
 *
 * With a prefix of up to 6 characters that leaves 10 characters for the generation.
 */
import { createHash } from 'node:crypto';
import { InvalidRequestError } from './errors';

export type ClientOrderRole = 'entry' | 'stop-loss' | 'take-profit' | 'close';

const roleLetters: Readonly<Record<ClientOrderRole, string>> = {
  entry: 'e',
  'stop-loss': 's',
  'take-profit': 't',
  close: 'x',
};

const prefixPattern = /^[A-Za-z0-9]{1,6}$/;
const clientIdPattern = /^[.A-Z:/a-z0-9_-]{1,36}$/;

export const defaultClientIdPrefix = 'bot';

export interface ClientOrderIds {
  /** The part shared by every order of the intent: `<prefix><digest>`. */
  readonly base: string;
  readonly entry: string;
  stopLoss(generation?: number | string): string;
  takeProfit(generation?: number | string): string;
  close(generation?: number | string): string;
}

function checkPrefix(prefix: string): void {
  if (!prefixPattern.test(prefix)) {
    throw new InvalidRequestError(
      `client id prefix ${JSON.stringify(prefix)} must be 1–6 letters or digits`,
      {
        operation: 'clientOrderIds',
      },
    );
  }
}

/** The client ids of every order one intent may place. */
export function clientOrderIdsFor(intentId: string, prefix = defaultClientIdPrefix): ClientOrderIds {
  checkPrefix(prefix);
  if (typeof intentId !== 'string' || intentId === '') {
    throw new InvalidRequestError('an intent needs a non-empty id', { operation: 'clientOrderIds' });
  }
  const base = `${prefix}${createHash('sha256').update(intentId).digest('hex').slice(0, 18)}`;
  const id = (role: ClientOrderRole, generation: number | string = 1) => {
    const text = `${base}-${roleLetters[role]}${generation}`;
    if (!clientIdPattern.test(text)) {
      throw new InvalidRequestError(`client id ${text} is not valid for Binance`, {
        operation: 'clientOrderIds',
      });
    }
    return text;
  };
  return {
    base,
    entry: id('entry'),
    stopLoss: (generation) => id('stop-loss', generation),
    takeProfit: (generation) => id('take-profit', generation),
    close: (generation) => id('close', generation),
  };
}

/** A fresh random client id for orders that belong to no intent (`<prefix>-<22 random characters>`). */
export function randomClientOrderId(random: () => number, prefix = defaultClientIdPrefix): string {
  checkPrefix(prefix);
  // Three draws of 8 base-36 digits each (about 41 bits per draw), cut to 22 characters.
  let suffix = '';
  for (let draw = 0; draw < 3; draw += 1) {
    suffix += Math.floor(random() * 36 ** 8)
      .toString(36)
      .padStart(8, '0');
  }
  return `${prefix}-${suffix.slice(0, 22)}`;
}

/** True when Binance would accept `id` as a client order id. */
export function isValidClientOrderId(id: string): boolean {
  return clientIdPattern.test(id);
}
