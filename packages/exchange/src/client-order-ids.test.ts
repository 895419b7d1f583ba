import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientOrderIdsFor, isValidClientOrderId, randomClientOrderId } from './client-order-ids';
import { InvalidRequestError } from './errors';

describe('client order ids', () => {
  it('are deterministic per intent, distinct per role, and valid for Binance', () => {
    const first = clientOrderIdsFor('BTC/USDC:USDC|2026-01-01T00:15Z|long');
    const again = clientOrderIdsFor('BTC/USDC:USDC|2026-01-01T00:15Z|long');
    expect(again).toMatchObject({ base: first.base, entry: first.entry });
    expect(first.entry).toMatch(/^bot[0-9a-f]{18}-e1$/);
    const all = [first.entry, first.stopLoss(1), first.takeProfit(1), first.close(1), first.stopLoss(2)];
    expect(new Set(all).size).toBe(all.length);
    expect(all.every(isValidClientOrderId)).toBe(true);
    expect(clientOrderIdsFor('another').entry).not.toBe(first.entry);
  });

  it('stay within 36 characters for any intent id, prefix and generation', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.stringMatching(/^[A-Za-z0-9]{1,6}$/),
        fc.integer({ min: 0, max: 36 ** 9 - 1 }), // epoch ms up to the year 5188
        (intentId, prefix, now) => {
          const ids = clientOrderIdsFor(intentId, prefix);
          expect(isValidClientOrderId(ids.stopLoss(`r${now.toString(36)}`))).toBe(true);
        },
      ),
    );
  });

  it('refuse an empty intent id or a bad prefix', () => {
    expect(() => clientOrderIdsFor('')).toThrow(InvalidRequestError);
    expect(() => clientOrderIdsFor('x', 'has space')).toThrow(InvalidRequestError);
    expect(() => clientOrderIdsFor('x', 'toolong7')).toThrow(InvalidRequestError);
  });

  it('random ids are valid and depend only on the random source', () => {
    let seed = 0;
    const random = () => (seed = (seed * 9301 + 49297) % 233280) / 233280;
    const id = randomClientOrderId(random);
    expect(isValidClientOrderId(id)).toBe(true);
    expect(id).toMatch(/^bot-[a-z0-9]{22}$/);
    seed = 0;
    expect(randomClientOrderId(random)).toBe(id);
  });
});
