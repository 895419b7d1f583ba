import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTemporaryDirectory } from '../test/temporary-directory';
import { AuditRationaleError } from './audit-error';
import { openAuditTrail } from './audit-trail';
import { KNOWN_RATIONALE_ACTIONS, parseRationale, rationaleSchema } from './rationale';
import type { RationaleInput } from './rationale';

const temporaryDirectory = useTemporaryDirectory();

const orderPlace: RationaleInput = {
  action: 'order.place',
  lens: 'Trader',
  symbol: 'BTC/USDC:USDC',
  side: 'buy',
  size: '0.012',
  why: 'Breakout above the 20-bar high with ATR expansion; stop below the range.',
  config: { tier: 'standard', riskPerTradePct: 0.005, leverageDefault: 5 },
  risk: { equity: '10000.00', riskAmount: '50.00', slStreak: 0, dailyDrawdownPct: 0.004 },
  prices: { entry: '61000.5', stop: '60500.0', target: 62001.5 },
  mode: 'paper',
  decisionId: 'd-42',
};

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseRationale(input);
  } catch (error) {
    expect(error).toBeInstanceOf(AuditRationaleError);
    expect(error).toMatchObject({ code: 'AUDIT_INVALID_RATIONALE' });
    return [...(error as AuditRationaleError).issues];
  }
  throw new Error('expected the rationale to be refused');
}

describe('rationale records', () => {
  it('accepts a complete order decision, unchanged', () => {
    expect(parseRationale(orderPlace)).toEqual(orderPlace);
  });

  it('accepts other known actions with what they need, and open actions and lenses of the right shape', () => {
    expect(
      parseRationale({
        action: 'risk.deny',
        lens: 'Risk',
        symbol: 'ETH/USDC:USDC',
        side: 'long',
        why: 'Daily drawdown 2.1 % reached the 2 % limit; no new positions today.',
        config: { dailyDrawdownPct: 0.02 },
        risk: { dailyDrawdownPct: 0.021 },
      }),
    ).toMatchObject({ action: 'risk.deny' });
    expect(
      parseRationale({
        action: 'feed.degraded',
        lens: 'Feed',
        why: 'Mark price stream silent for 10 s; polling REST.',
      }),
    ).toMatchObject({ lens: 'Feed' });
    expect(
      parseRationale({ action: 'operator.override', lens: 'Operator', why: 'Manual close requested.' }),
    ).toMatchObject({
      action: 'operator.override',
    });
    expect(KNOWN_RATIONALE_ACTIONS).toContain('order.cancel');
  });

  it('requires symbol, a buy/sell side, a positive size, config and risk for order.place', () => {
    const { symbol: _symbol, size: _size, config: _config, ...incomplete } = orderPlace;
    expect(
      issuesOf(incomplete)
        .map((issue) => issue.path)
        .sort(),
    ).toEqual(['config', 'size', 'symbol']);
    expect(issuesOf({ ...orderPlace, side: 'long' }).map((issue) => issue.path)).toEqual(['side']);
    expect(issuesOf({ ...orderPlace, size: '0' }).map((issue) => issue.path)).toEqual(['size']);
  });

  it('requires the risk numbers for risk decisions and a symbol for cancels', () => {
    expect(
      issuesOf({ action: 'risk.allow', lens: 'Risk', why: 'ok' })
        .map((issue) => issue.path)
        .sort(),
    ).toEqual(['config', 'risk']);
    expect(
      issuesOf({ action: 'order.cancel', lens: 'Execution', why: 'stale' }).map((issue) => issue.path),
    ).toEqual(['symbol']);
  });

  it('refuses malformed fields and unknown ones, all at once', () => {
    const issues = issuesOf({
      ...orderPlace,
      action: 'Place Order',
      lens: 'trader',
      symbol: 'btc usdc',
      size: '1e-3',
      why: '   ',
      risk: { equity: { nested: 1 } },
      prices: { entry: '61,000' },
      extra: 1,
    });
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      ['', 'action', 'lens', 'prices.entry', 'risk.equity', 'size', 'symbol', 'why'].sort(),
    );
  });

  it('exposes the schema for other packages to build on', () => {
    expect(rationaleSchema.safeParse(orderPlace).success).toBe(true);
  });

  it('appendRationale validates, then writes a rationale record; an invalid one writes nothing', async () => {
    const path = join(temporaryDirectory(), 'trail.jsonl');
    const trail = await openAuditTrail({ path });
    await expect(trail.appendRationale({ ...orderPlace, side: 'sideways' } as never)).rejects.toBeInstanceOf(
      AuditRationaleError,
    );
    const receipt = await trail.appendRationale(orderPlace);
    await trail.close();
    expect(receipt.seq).toBe(0);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ kind: 'rationale', payload: orderPlace });
  });
});
