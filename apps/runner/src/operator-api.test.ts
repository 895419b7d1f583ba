import { afterEach, describe, expect, it } from 'vitest';
import type { BotControl, OperatorApi } from './operator-api';
import { startOperatorApi } from './operator-api';
import { PLAYBOOKS } from './playbooks';

function fakeControl() {
  const calls: string[] = [];
  let halted = false;
  const control: BotControl = {
    health: () => ({ ok: true }),
    status: () => ({ halted }),
    halt: (reason) => {
      halted = true;
      calls.push(`halt:${reason}`);
    },
    resume: () => {
      halted = false;
      calls.push('resume');
    },
    flatten: async () => {
      calls.push('flatten');
      return { closed: 1 };
    },
  };
  return { control, calls };
}

describe('operator API', () => {
  let api: OperatorApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('requires the bearer token on every route when one is set', async () => {
    const { control } = fakeControl();
    api = await startOperatorApi({ bind: '127.0.0.1:0', token: 'a'.repeat(32), control });
    expect((await fetch(`${api.url}/health`)).status).toBe(401);
    expect(
      (await fetch(`${api.url}/health`, { headers: { Authorization: `Bearer ${'b'.repeat(32)}` } })).status,
    ).toBe(401);
    const ok = await fetch(`${api.url}/health`, { headers: { Authorization: `Bearer ${'a'.repeat(32)}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true });
  });

  it('halts, resumes and flattens through the control', async () => {
    const { control, calls } = fakeControl();
    api = await startOperatorApi({ bind: '127.0.0.1:0', control });
    expect(await (await fetch(`${api.url}/halt`, { method: 'POST' })).json()).toEqual({ halted: true });
    expect(await (await fetch(`${api.url}/resume`, { method: 'POST' })).json()).toEqual({ halted: false });
    expect(await (await fetch(`${api.url}/flatten`, { method: 'POST' })).json()).toEqual({ closed: 1 });
    expect(calls).toEqual(['halt:operator: POST /halt', 'resume', 'flatten']);
    expect((await fetch(`${api.url}/halt`)).status).toBe(404);
  });

  it('lists and shows playbooks', async () => {
    const { control } = fakeControl();
    api = await startOperatorApi({ bind: '127.0.0.1:0', control });
    const list = (await (await fetch(`${api.url}/playbook`)).json()) as { id: string }[];
    expect(list.map((entry) => entry.id)).toEqual(PLAYBOOKS.map((playbook) => playbook.id));
    const one = await (await fetch(`${api.url}/playbook/sl-placement-failed`)).json();
    expect(one).toMatchObject({ id: 'sl-placement-failed', severity: 'critical' });
    // The machine parts of the table travel with the words: how it is recognised, what the bot does.
    const auth = await (await fetch(`${api.url}/playbook/auth-failure`)).json();
    expect(auth).toMatchObject({
      action: { kind: 'halt' },
      detectedBy: { exchangeCodes: [-2014, -2015, -1022], errorCodes: ['AUTHENTICATION_FAILED'] },
    });
    expect((await fetch(`${api.url}/playbook/nope`)).status).toBe(404);
  });

  it('refuses a non-loopback bind without a token, and a malformed bind', async () => {
    const { control } = fakeControl();
    await expect(startOperatorApi({ bind: '0.0.0.0:0', control })).rejects.toThrow(/without a token/);
    await expect(startOperatorApi({ bind: 'localhost', control })).rejects.toThrow(/host:port/);
  });

  it('names the way out when its address is taken', async () => {
    const { control } = fakeControl();
    const first = await startOperatorApi({ bind: '127.0.0.1:0', control });
    try {
      const port = new URL(first.url).port;
      await expect(startOperatorApi({ bind: `127.0.0.1:${port}`, control })).rejects.toThrow(
        /cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\): set BOT_OPERATOR_BIND .* or pass --no-operator-api/,
      );
    } finally {
      await first.close();
    }
  });
});

describe('playbooks', () => {
  it('cover every incident the issue names, each with detection, action and steps', () => {
    expect(PLAYBOOKS.map((playbook) => playbook.id)).toEqual([
      'ws-degraded',
      'listen-key-expired',
      'sl-placement-failed',
      'position-unprotected',
      'foreign-position',
      'liquidation',
      'leverage-drift',
      'daily-drawdown-hit',
      'sl-streak-hit',
      'rate-limited',
      'clock-skew',
      'auth-failure',
      'exchange-maintenance',
      'audit-verification-failed',
    ]);
    for (const playbook of PLAYBOOKS) {
      expect(playbook.detection.length, playbook.id).toBeGreaterThan(20);
      expect(playbook.automaticAction.length, playbook.id).toBeGreaterThan(20);
      expect(playbook.operatorSteps.length, playbook.id).toBeGreaterThan(0);
      expect(['halt', 'stop-opening', 'protect', 'recover', 'refuse-start'], playbook.id).toContain(
        playbook.action.kind,
      );
    }
  });
});
