import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuthenticationFailedError,
  RateLimitedError,
  RequestRejectedError,
  RetriesExhaustedError,
  UnknownOutcomeError,
} from '@bot/exchange';
import { describe, expect, it } from 'vitest';
import {
  PLAYBOOKS,
  findPlaybook,
  formatPlaybook,
  haltPlaybookIds,
  isTransientStartError,
  playbookForError,
  playbookForFeed,
  playbookForIncident,
} from './playbooks';

const details = { operation: 'createOrder' };
const ccxtError = (name: string) => Object.assign(new Error(name), { name });

describe('the playbook table', () => {
  it('recognises each exchange failure the loop survives by its playbook', () => {
    const idOf = (error: unknown) => playbookForError(error)?.id;
    expect(idOf(new RateLimitedError('429', 1000, false, { ...details, exchangeCode: -1003 }))).toBe(
      'rate-limited',
    );
    // A request not sent because a ban is in force carries no Binance code.
    expect(idOf(new RateLimitedError('paused', 90_000, true, details))).toBe('rate-limited');
    expect(idOf(new AuthenticationFailedError('bad key', { ...details, exchangeCode: -2015 }))).toBe(
      'auth-failure',
    );
    expect(idOf(new AuthenticationFailedError('bad key', { ...details, exchangeCode: -2017 }))).toBe(
      'auth-failure',
    );
    expect(idOf(new RequestRejectedError('timestamp', 'OTHER', { ...details, exchangeCode: -1021 }))).toBe(
      'clock-skew',
    );
    expect(idOf(new RetriesExhaustedError('503', 4, { ...details, exchangeCode: -1001 }))).toBe(
      'exchange-maintenance',
    );
    expect(idOf(new RetriesExhaustedError('502', 4, details))).toBe('exchange-maintenance');
    expect(idOf(new UnknownOutcomeError('lost', details))).toBe('exchange-maintenance');
    // Retries spent on 429s are a rate limit, not an outage.
    expect(idOf(new RetriesExhaustedError('429', 4, { ...details, exchangeCode: -1003 }))).toBe(
      'rate-limited',
    );
    expect(
      idOf(new RequestRejectedError('margin', 'INSUFFICIENT_MARGIN', { ...details, exchangeCode: -2019 })),
    ).toBeUndefined();
    expect(idOf(new Error('plain'))).toBeUndefined();
    expect(idOf(ccxtError('ExchangeNotAvailable'))).toBe('exchange-maintenance');
    expect(idOf(ccxtError('AuthenticationError'))).toBe('auth-failure');
  });

  it('tries a start again only when the exchange may answer later', () => {
    expect(isTransientStartError(new RetriesExhaustedError('503', 4, details))).toBe(true);
    expect(isTransientStartError(new RateLimitedError('418', 120_000, true, details))).toBe(true);
    expect(isTransientStartError(ccxtError('RequestTimeout'))).toBe(true);
    expect(isTransientStartError(ccxtError('DDoSProtection'))).toBe(true);
    expect(isTransientStartError(new AuthenticationFailedError('bad key', details))).toBe(false);
    expect(isTransientStartError(ccxtError('AuthenticationError'))).toBe(false);
    expect(isTransientStartError(new Error('unknown symbol'))).toBe(false);
  });

  it('names the playbooks of incidents, guard halts and feed events', () => {
    expect(playbookForIncident('STOP_LOSS_FAILED')?.id).toBe('sl-placement-failed');
    expect(playbookForIncident('ENTRY_OUTCOME_UNKNOWN')?.id).toBe('position-unprotected');
    expect(playbookForIncident('TAKE_PROFIT_FAILED')).toBeUndefined();
    expect(haltPlaybookIds()).toEqual({
      LIQUIDATION: 'liquidation',
      ADL: 'liquidation',
      DAILY_DRAWDOWN: 'daily-drawdown-hit',
      SL_STREAK: 'sl-streak-hit',
    });
    expect(playbookForFeed('degraded').id).toBe('ws-degraded');
    expect(playbookForFeed('listenKeyExpired').id).toBe('listen-key-expired');
  });

  it('gives every playbook an action; the ones that stop opening name their denial, and say it', () => {
    const ids = PLAYBOOKS.map((playbook) => playbook.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(findPlaybook('auth-failure')?.action).toEqual({ kind: 'halt' });
    expect(findPlaybook('exchange-maintenance')?.action).toEqual({
      kind: 'stop-opening',
      denial: 'EXCHANGE_UNAVAILABLE',
      until: 'account-sweep',
    });
    expect(findPlaybook('rate-limited')?.action).toEqual({
      kind: 'stop-opening',
      denial: 'RATE_LIMITED',
      until: 'pause-ends',
    });
    for (const playbook of PLAYBOOKS) {
      if (playbook.action.kind === 'stop-opening')
        expect(playbook.automaticAction, playbook.id).toContain(playbook.action.denial);
    }
    // No code or error that two playbooks both claim.
    const claimed = PLAYBOOKS.flatMap((playbook) => [
      ...(playbook.detectedBy.exchangeCodes ?? []).map(String),
      ...(playbook.detectedBy.errorCodes ?? []),
      ...(playbook.detectedBy.ccxtErrors ?? []),
      ...(playbook.detectedBy.incidents ?? []),
      ...(playbook.detectedBy.haltCodes ?? []),
      ...(playbook.detectedBy.feedEvents ?? []),
    ]);
    expect(new Set(claimed).size).toBe(claimed.length);
  });

  it('prints what the bot does and how the errors are recognised', () => {
    const text = formatPlaybook(findPlaybook('auth-failure')!);
    expect(text).toMatch(/^auth-failure — Authentication failure \[critical\]$/m);
    expect(text).toMatch(
      /^Recognised in errors by: Binance codes -2014, -2015, -1022; adapter errors AUTHENTICATION_FAILED$/m,
    );
    expect(text).toMatch(/^The bot \(halt\): During a run: halts the RiskGuard/m);
  });

  it('is what the README lists: id, severity, title and action of each', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const rows = readme
      .split('\n')
      .filter((line) => /^\| `[a-z-]+` +\| (info|warning|critical) /.test(line))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    expect(rows.map(([id]) => id)).toEqual(
      expect.arrayContaining(PLAYBOOKS.map((playbook) => `\`${playbook.id}\``)),
    );
    expect(rows).toHaveLength(PLAYBOOKS.length);
    for (const [id, severity, title, action] of rows) {
      const playbook = findPlaybook(id?.replaceAll('`', '') ?? '');
      expect(playbook, id).toBeDefined();
      expect([severity, title], id).toEqual([playbook?.severity, playbook?.title]);
      const kind = playbook?.action.kind;
      expect(action, id).toBe(
        playbook?.action.kind === 'stop-opening'
          ? `\`${kind}\` (\`${playbook.action.denial}\`)`
          : `\`${kind}\``,
      );
    }
  });
});
