import {
  AuthenticationFailedError,
  RateLimitedError,
  RequestRejectedError,
  RetriesExhaustedError,
} from '@bot/exchange';
import { describe, expect, it } from 'vitest';
import { playbookForError } from './error-playbooks';
import { PLAYBOOKS } from './playbooks';

describe('playbookForError', () => {
  it('names the playbook of each exchange failure the loop survives', () => {
    const details = { operation: 'createOrder' };
    expect(
      playbookForError(new RateLimitedError('429', 1000, false, { ...details, exchangeCode: -1003 })),
    ).toBe('rate-limited');
    expect(
      playbookForError(new AuthenticationFailedError('bad key', { ...details, exchangeCode: -2015 })),
    ).toBe('auth-failure');
    expect(
      playbookForError(new RequestRejectedError('timestamp', 'OTHER', { ...details, exchangeCode: -1021 })),
    ).toBe('clock-skew');
    expect(playbookForError(new RetriesExhaustedError('503', 4, details))).toBe('exchange-maintenance');
    expect(playbookForError(new Error('plain'))).toBeUndefined();
  });

  it('only names playbooks that exist', () => {
    const ids = new Set(PLAYBOOKS.map((playbook) => playbook.id));
    for (const id of ['rate-limited', 'auth-failure', 'clock-skew', 'exchange-maintenance'])
      expect(ids.has(id)).toBe(true);
  });
});
