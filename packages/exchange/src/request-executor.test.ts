import ccxt from 'ccxt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimitedError, RequestRejectedError, RetriesExhaustedError, UnknownOutcomeError } from './errors';
import type { ExecutionSettings } from './request-executor';
import { RequestExecutor, defaultExecutionSettings, requestBackoffDelay } from './request-executor';
import { resolveRuntime } from './runtime';

const unknown = () =>
  new ccxt.OperationFailed(
    'binanceusdm {"code":-1000,"msg":"Unknown error, please check your request or try again later."}',
  );
const busy = () => new ccxt.ExchangeNotAvailable('binanceusdm GET https://x/fapi/v1/time 502 Bad Gateway');

function harness(settings: Partial<ExecutionSettings> = {}) {
  let now = 0;
  const sleeps: number[] = [];
  let resyncs = 0;
  const executor = new RequestExecutor(
    { ...defaultExecutionSettings, ...settings },
    resolveRuntime({
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      random: () => 0.5,
    }),
    {
      resyncClock: async () => {
        resyncs += 1;
        await Promise.resolve();
      },
    },
  );
  return { executor, sleeps, resyncs: () => resyncs, advance: (ms: number) => (now += ms) };
}

/** A send that fails with the given errors, in order, then answers `value`. */
function script<T>(errors: Error[], value: T) {
  let calls = 0;
  return {
    calls: () => calls,
    send: async () => {
      calls += 1;
      const error = errors[calls - 1];
      if (error) throw error;
      return value;
    },
  };
}

describe('RequestExecutor', () => {
  it('retries a transient read with growing, capped, jittered backoff, then gives up', async () => {
    const { executor, sleeps } = harness({ maxRetries: 3, backoffBaseMs: 500, backoffMaxMs: 1_500 });
    const failing = script([busy(), busy(), busy(), busy()], 'never');
    const error = await executor
      .execute({ operation: 'read', kind: 'read', send: failing.send })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ code: 'RETRIES_EXHAUSTED', attempts: 4 });
    expect(failing.calls()).toBe(4);
    expect(sleeps).toEqual([375, 750, 1125]); // random 0.5: ¾ of 500, 1000, min(2000, 1500)
  });

  it('does not retry a rejection, and carries the rationale and the exchange code', async () => {
    const { executor } = harness();
    const rejected = script(
      [new ccxt.InsufficientFunds('binanceusdm {"code":-2019,"msg":"Margin is insufficient."}')],
      'x',
    );
    const error = await executor
      .execute({ operation: 'createOrder', kind: 'order-write', rationale: 'why', send: rejected.send })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestRejectedError);
    expect(error).toMatchObject({
      reason: 'INSUFFICIENT_MARGIN',
      exchangeCode: -2019,
      rationale: 'why',
      operation: 'createOrder',
    });
    expect(rejected.calls()).toBe(1);
  });

  it('after an unknown outcome, looks the order up and takes it when found: nothing is re-sent', async () => {
    const { executor } = harness();
    const send = script([unknown()], 'placed');
    let lookups = 0;
    const result = await executor.execute({
      operation: 'createOrder',
      kind: 'order-write',
      clientOrderId: 'abc',
      send: send.send,
      lookup: async () => {
        lookups += 1;
        return 'found';
      },
    });
    expect(result).toEqual({ value: 'found', attempts: 1, confirmedBy: 'lookup' });
    expect(send.calls()).toBe(1);
    expect(lookups).toBe(1);
  });

  it('after an unknown outcome, re-sends only once the order is confirmed absent', async () => {
    const { executor } = harness({ unknownOutcomeChecks: 2 });
    const send = script([unknown()], 'placed');
    let lookups = 0;
    const result = await executor.execute({
      operation: 'createOrder',
      kind: 'order-write',
      send: send.send,
      lookup: async () => {
        lookups += 1;
        throw new ccxt.OrderNotFound('binanceusdm {"code":-2013,"msg":"Order does not exist."}');
      },
    });
    expect(result).toEqual({ value: 'placed', attempts: 2, confirmedBy: 'response' });
    expect(lookups).toBe(2);
  });

  it('never re-sends an order that opens a position: looks it up over the window and takes it when it appears', async () => {
    const { executor, sleeps } = harness({
      unknownOutcomeWindowMs: 10_000,
      unknownOutcomeCheckIntervalMs: 2_000,
    });
    const send = script([unknown()], 'placed twice');
    let elapsed = 0;
    const lookedUpAt: number[] = [];
    const result = await executor.execute({
      operation: 'createOrder',
      kind: 'order-write',
      opensPosition: true,
      clientOrderId: 'entry-1',
      send: send.send,
      lookup: async () => {
        elapsed = sleeps.reduce((sum, ms) => sum + ms, 0);
        lookedUpAt.push(elapsed);
        // The order executes late: absent at first, there from 3 s after the failure.
        return elapsed >= 3_000 ? 'executed late' : undefined;
      },
    });
    expect(result).toEqual({ value: 'executed late', attempts: 1, confirmedBy: 'lookup' });
    expect(send.calls()).toBe(1);
    expect(lookedUpAt.length).toBeGreaterThanOrEqual(2);
    expect(lookedUpAt.at(-2)).toBeLessThan(3_000);
  });

  it('an order that opens a position and stays absent for the whole window → UnknownOutcomeError, sent once', async () => {
    const { executor, sleeps } = harness({
      unknownOutcomeWindowMs: 10_000,
      unknownOutcomeCheckIntervalMs: 2_000,
    });
    const send = script([unknown()], 'placed twice');
    const lookedUpAt: number[] = [];
    const error = await executor
      .execute({
        operation: 'createOrder',
        kind: 'order-write',
        opensPosition: true,
        clientOrderId: 'entry-2',
        send: send.send,
        lookup: async () => {
          lookedUpAt.push(sleeps.reduce((sum, ms) => sum + ms, 0));
          return undefined;
        },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(error).toMatchObject({ code: 'UNKNOWN_OUTCOME', clientOrderId: 'entry-2' });
    expect(send.calls()).toBe(1);
    // Spread over the window: several checks, the last one once the whole window has passed.
    expect(lookedUpAt.length).toBeGreaterThanOrEqual(5);
    expect(lookedUpAt.at(-1)).toBeGreaterThanOrEqual(10_000);
    for (const [index, at] of lookedUpAt.slice(1).entries()) {
      expect(at - (lookedUpAt[index] as number)).toBeLessThanOrEqual(2_000);
    }
  });

  it('when the look-up fails too, throws UnknownOutcomeError and sends nothing more', async () => {
    const { executor } = harness({ maxRetries: 1 });
    const send = script([unknown()], 'placed');
    const error = await executor
      .execute({
        operation: 'createOrder',
        kind: 'order-write',
        send: send.send,
        lookup: async () => {
          throw busy();
        },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(send.calls()).toBe(1);
  });

  it('without a way to look it up, an unknown outcome is never re-sent', async () => {
    const { executor } = harness();
    const send = script([unknown()], 'placed');
    await expect(
      executor.execute({ operation: 'createOrder', kind: 'order-write', send: send.send }),
    ).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect(send.calls()).toBe(1);
  });

  it('resolves a duplicate client id by looking the order up', async () => {
    const { executor } = harness();
    const send = script(
      [new ccxt.InvalidOrder('binanceusdm {"code":-4116,"msg":"ClientOrderId is duplicated."}')],
      'x',
    );
    const result = await executor.execute({
      operation: 'createStopLossOrder',
      kind: 'order-write',
      send: send.send,
      lookup: async () => 'existing',
    });
    expect(result.value).toBe('existing');
  });

  it('re-syncs the clock once for concurrent -1021 failures, then retries', async () => {
    const { executor, resyncs } = harness();
    const skew = () =>
      new ccxt.InvalidNonce(
        'binanceusdm {"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}',
      );
    const first = script([skew()], 'a');
    const second = script([skew()], 'b');
    const results = await Promise.all([
      executor.execute({ operation: 'one', kind: 'read', send: first.send }),
      executor.execute({ operation: 'two', kind: 'read', send: second.send }),
    ]);
    expect(results.map((result) => result.value)).toEqual(['a', 'b']);
    expect(resyncs()).toBe(1);
  });

  it('after a 429, every request waits out Retry-After', async () => {
    const { executor, sleeps } = harness();
    const limited = new ccxt.DDoSProtection(
      'binanceusdm 429 Too Many Requests {"code":-1003,"msg":"Too many requests"}',
    );
    const send = script([limited], 'ok');
    // No headers reach a scripted send, so the wait is the backoff; the pause still holds every request.
    await executor.execute({ operation: 'read', kind: 'read', send: send.send });
    expect(sleeps).toHaveLength(1);
    expect(executor.pausedUntil).toBeGreaterThan(0);
  });

  it('never sends an order that opens a position into a pause, nor again after its own 429', async () => {
    const { executor, sleeps } = harness();
    const limited = new ccxt.DDoSProtection(
      'binanceusdm 429 Too Many Requests {"code":-1003,"msg":"Too many requests"}',
    );
    const entry = script([limited], 'filled after the pause');
    const refused = await executor
      .execute({
        operation: 'createOrder',
        kind: 'order-write',
        opensPosition: true,
        clientOrderId: 'entry-3',
        send: entry.send,
      })
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', clientOrderId: 'entry-3' });
    expect((refused as Error).message).toMatch(/not sent on checks made before the pause/);
    expect(entry.calls()).toBe(1);
    // Another entry while the pause lasts is not sent at all; a reduce-only order waits it out and goes.
    const next = script([], 'never');
    await expect(
      executor.execute({
        operation: 'createOrder',
        kind: 'order-write',
        opensPosition: true,
        send: next.send,
      }),
    ).rejects.toBeInstanceOf(RateLimitedError);
    expect(next.calls()).toBe(0);
    expect(sleeps).toEqual([]);
    const close = script([], 'closed');
    await expect(
      executor.execute({ operation: 'createOrder', kind: 'order-write', send: close.send }),
    ).resolves.toMatchObject({ value: 'closed' });
    expect(sleeps).toHaveLength(1);
  });

  it('the rate-limit pause is in force before the failure is logged', async () => {
    let pausedWhenLogged: number | undefined;
    const executor: RequestExecutor = new RequestExecutor(
      defaultExecutionSettings,
      resolveRuntime({
        now: () => 1_000,
        sleep: async () => {},
        random: () => 0.5,
        log: (entry) => {
          if (entry.event === 'exchange-failure') pausedWhenLogged ??= executor.pausedUntil;
        },
      }),
      { resyncClock: async () => {} },
    );
    const limited = new ccxt.DDoSProtection('binanceusdm 418 I\'m a teapot {"code":-1003,"msg":"banned"}');
    await executor.execute({ operation: 'read', kind: 'read', send: script([limited], 'ok').send });
    expect(pausedWhenLogged).toBeGreaterThan(1_000);
  });

  it('waits out its own backoff after a 429 even when that is longer than maxRetryAfterMs', async () => {
    const { executor, sleeps } = harness({
      maxRetryAfterMs: 1_000,
      backoffBaseMs: 8_000,
      backoffMaxMs: 8_000,
    });
    const limited = new ccxt.DDoSProtection('binanceusdm 429 Too Many Requests {"code":-1003,"msg":"x"}');
    const send = script([limited, limited], 'ok');
    await expect(
      executor.execute({ operation: 'read', kind: 'read', send: send.send }),
    ).resolves.toMatchObject({
      value: 'ok',
      attempts: 3,
    });
    expect(sleeps).toEqual([6_000, 6_000]);
  });
});

describe('requestBackoffDelay', () => {
  it('stays within [half, all] of the capped exponential delay', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 0, max: 300_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, base, extra, random) => {
          const settings = { ...defaultExecutionSettings, backoffBaseMs: base, backoffMaxMs: base + extra };
          const cap = Math.min(base + extra, base * 2 ** retry);
          const delay = requestBackoffDelay(retry, settings, () => random);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(cap / 2));
          expect(delay).toBeLessThanOrEqual(Math.ceil(cap));
        },
      ),
    );
  });
});
