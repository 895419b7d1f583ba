import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { BotControl, OperatorApi, OperatorApiOptions, OperatorCall } from './operator-api';
import { startOperatorApi } from './operator-api';
import { FailedAttemptLimiter, tokenId } from './operator-auth';
import { PLAYBOOKS } from './playbooks';
import { captureLog } from './testing';

const TOKEN = 'a'.repeat(32);
const BEARER: Record<string, string> = { Authorization: `Bearer ${TOKEN}` };

/** A request through node:http, which (unlike fetch) lets a test set the Host header as a browser would. */
function rawRequest(url: string, method: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method, headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    sent.on('error', reject);
    sent.end();
  });
}

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
    resume: (reason) => {
      halted = false;
      calls.push(`resume:${reason}`);
    },
    flatten: async (reason) => {
      calls.push(`flatten:${reason}`);
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

  /** An API on a free loopback port with the fake control; `records` gets what it audits. */
  async function start(extra: Partial<OperatorApiOptions> = {}) {
    const { control, calls } = fakeControl();
    const records: OperatorCall[] = [];
    const log = captureLog();
    api = await startOperatorApi({
      bind: '127.0.0.1:0',
      token: TOKEN,
      control,
      logger: log.logger,
      record: async (call) => {
        records.push(call);
        calls.push(`record:${call.route}`);
      },
      ...extra,
    });
    const url = api.url;
    const call = (method: string, path: string, headers: Record<string, string> = BEARER) =>
      fetch(`${url}${path}`, { method, headers });
    return { calls, records, log, call, url };
  }

  it('requires the bearer token on every route but GET /health, on loopback too', async () => {
    const { call, calls } = await start({ failedAttempts: new FailedAttemptLimiter(1_000) });
    expect((await call('GET', '/health', {})).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/status'],
      ['GET', '/playbook'],
      ['GET', '/playbook/ws-degraded'],
      ['POST', '/halt'],
      ['POST', '/resume'],
      ['POST', '/flatten'],
      ['GET', '/nope'],
    ] as const) {
      for (const headers of [
        {} as Record<string, string>,
        { Authorization: `Bearer ${'b'.repeat(32)}` },
        { Authorization: `Bearer ${TOKEN}x` }, // longer, same prefix
        { Authorization: `Bearer ${TOKEN.slice(1)}` }, // shorter
        { Authorization: TOKEN }, // no scheme
        { Authorization: `Basic ${TOKEN}` },
      ]) {
        const response = await call(method, path, headers);
        expect(response.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    expect(calls).toEqual([]);
    const ok = await call('GET', '/status');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ halted: false });
    // The scheme is case-insensitive (RFC 7235).
    expect((await call('GET', '/status', { Authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });

  it('halts, resumes and flattens through the control, each audited with the token id first', async () => {
    const { call, calls, records } = await start();
    expect(await (await call('POST', '/halt')).json()).toEqual({ halted: true });
    expect(await (await call('POST', '/resume')).json()).toEqual({ halted: false });
    expect(await (await call('POST', '/flatten')).json()).toEqual({ closed: 1 });
    const who = `operator (token ${tokenId(TOKEN)})`;
    expect(calls).toEqual([
      'record:POST /halt',
      `halt:${who}: POST /halt`,
      'record:POST /resume',
      `resume:${who}: POST /resume`,
      'record:POST /flatten',
      `flatten:${who}: POST /flatten`,
    ]);
    expect(records[0]).toEqual({ route: 'POST /halt', tokenId: tokenId(TOKEN), remoteAddress: '127.0.0.1' });
    expect(JSON.stringify(records)).not.toContain(TOKEN);
    expect((await call('GET', '/halt')).status).toBe(404);
  });

  it('still halts when the call cannot be audited, but does not resume', async () => {
    const { call, calls } = await start({ record: () => Promise.reject(new Error('disk full')) });
    expect((await call('POST', '/halt')).status).toBe(200);
    expect((await call('POST', '/resume')).status).toBe(503);
    expect(calls).toEqual([`halt:operator (token ${tokenId(TOKEN)}): POST /halt`]);
  });

  it('refuses requests from other web pages whatever the token, and a foreign Host (DNS rebinding)', async () => {
    const { call, calls, url } = await start();
    for (const headers of [
      { Origin: 'http://evil.example' } as Record<string, string>,
      { Origin: 'null' },
      { Origin: 'http://127.0.0.1:3000' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' }, // another port of localhost
      // Same-origin by its own say, but from another origin (a hand-made request: browsers never send this).
      { 'Sec-Fetch-Site': 'same-origin', Origin: 'http://127.0.0.1:3000' },
      { Origin: url.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + 1}`) },
    ]) {
      for (const [method, path] of [
        ['POST', '/halt'],
        ['POST', '/flatten'],
        ['POST', '/resume'],
        ['GET', '/status'],
      ] as const) {
        const response = await call(method, path, { ...BEARER, ...headers });
        expect(response.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403);
      }
    }
    for (const path of ['/halt', '/flatten', '/status']) {
      const method = path === '/status' ? 'GET' : 'POST';
      expect(await rawRequest(`${url}${path}`, method, { ...BEARER, Host: 'evil.example:8787' }), path).toBe(
        403,
      );
    }
    expect(calls).toEqual([]);
    // What the operator's own tools send still works.
    expect((await call('GET', '/status', { ...BEARER, 'Sec-Fetch-Site': 'none' })).status).toBe(200);
    expect(await rawRequest(`${url}/status`, 'GET', { ...BEARER, Host: 'localhost:8787' })).toBe(200);
    expect(await rawRequest(`${url}/status`, 'GET', { ...BEARER, Host: '[::1]:8787' })).toBe(200);
  });

  it("lets the console's own origin through: Origin equal to the address the request was sent to, still with the token", async () => {
    const { call, calls, url } = await start();
    const own = { Origin: url, 'Sec-Fetch-Site': 'same-origin' };
    expect((await call('GET', '/status', { ...BEARER, ...own })).status).toBe(200);
    expect((await call('GET', '/status', { ...BEARER, 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
    expect((await call('POST', '/halt', { ...BEARER, ...own })).status).toBe(200);
    expect((await call('POST', '/resume', own)).status).toBe(401);
    // Through a tunnel (ssh -L 9000:127.0.0.1:<port>) the browser addresses localhost:9000: its own origin.
    const tunnel = { Host: 'localhost:9000', Origin: 'http://localhost:9000' };
    expect(await rawRequest(`${url}/status`, 'GET', { ...BEARER, ...tunnel })).toBe(200);
    expect(
      await rawRequest(`${url}/status`, 'GET', { ...BEARER, ...tunnel, Origin: 'http://localhost:9001' }),
    ).toBe(403);
    expect(calls).toEqual([`record:POST /halt`, `halt:operator (token ${tokenId(TOKEN)}): POST /halt`]);
  });

  it('serves the console shell and its scripts without the token: no data in them, scripts only from itself', async () => {
    const { call, url } = await start();
    const shell = await call('GET', '/', {});
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = shell.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    const html = await shell.text();
    expect(html).toContain('<script type="module" src="/console/app.js"></script>');
    expect(html).not.toMatch(/https?:\/\//); // nothing from another host, a CDN least of all
    for (const path of ['/console/app.js', '/console/preact-htm.js', '/console/style.css']) {
      const response = await call('GET', path, {});
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).not.toMatch(/from ?["']https?:/);
    }
    // Only GET, and only the shell's files: everything else still needs the token.
    expect((await call('POST', '/', {})).status).toBe(401);
    expect((await call('GET', '/console/nope.js', {})).status).toBe(401);
    // Another site may not even load it (a frame, a link from a page elsewhere).
    expect((await call('GET', '/', { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('streams the status as server-sent events: at once, then after a command; only with the token', async () => {
    const { call } = await start();
    expect((await call('GET', '/events', {})).status).toBe(401);
    const response = await call('GET', '/events');
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const frames: string[] = [];
    const nextFrame = async (): Promise<string> => {
      while (!frames.join('').includes('\n\n')) frames.push((await reader.read()).value ?? '');
      const text = frames.join('');
      const end = text.indexOf('\n\n');
      frames.splice(0, frames.length, text.slice(end + 2));
      return text.slice(0, end);
    };
    expect(await nextFrame()).toBe('event: status\ndata: {"halted":false}');
    await call('POST', '/halt');
    expect(await nextFrame()).toBe('event: status\ndata: {"halted":true}');
    await reader.cancel();
  });

  it('refuses the content types a form can send on the POST routes', async () => {
    const { call, calls } = await start();
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain',
      'TEXT/PLAIN;charset=UTF-8',
    ]) {
      for (const path of ['/halt', '/resume', '/flatten']) {
        const response = await call('POST', path, { ...BEARER, 'Content-Type': type });
        expect(response.status, `${path} ${type}`).toBe(415);
      }
    }
    expect(calls).toEqual([]);
    const json = await call('POST', '/halt', { ...BEARER, 'Content-Type': 'application/json' });
    expect(json.status).toBe(200);
  });

  it('answers 429 with Retry-After after too many wrong tokens from one address; the right token still halts', async () => {
    const { call, calls, log } = await start({ failedAttempts: new FailedAttemptLimiter(3, 60_000) });
    const wrong = { Authorization: `Bearer ${'b'.repeat(32)}` };
    for (let attempt = 0; attempt < 3; attempt += 1)
      expect((await call('POST', '/halt', wrong)).status).toBe(401);
    const limited = await call('POST', '/halt', wrong);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
    expect((await call('GET', '/health', {})).status).toBe(200);
    expect(calls).toEqual([]);
    expect(log.messages()).toContain('operator API: 3 wrong tokens from 127.0.0.1; refusing it for 60 s');
    // Nobody can lock the operator out of halt by guessing.
    expect((await call('POST', '/halt')).status).toBe(200);
    expect(calls.some((entry) => entry.startsWith('halt:'))).toBe(true);
  });

  it('lists and shows playbooks', async () => {
    const { call } = await start();
    const list = (await (await call('GET', '/playbook')).json()) as { id: string }[];
    expect(list.map((entry) => entry.id)).toEqual(PLAYBOOKS.map((playbook) => playbook.id));
    const one = await (await call('GET', '/playbook/sl-placement-failed')).json();
    expect(one).toMatchObject({ id: 'sl-placement-failed', severity: 'critical' });
    // The machine parts of the table travel with the words: how it is recognised, what the bot does.
    const auth = await (await call('GET', '/playbook/auth-failure')).json();
    expect(auth).toMatchObject({
      action: { kind: 'halt' },
      detectedBy: { exchangeCodes: [-2014, -2015, -1022], errorCodes: ['AUTHENTICATION_FAILED'] },
    });
    expect((await call('GET', '/playbook/nope')).status).toBe(404);
  });

  it('refuses to start without a token, and a malformed bind', async () => {
    const options = { control: fakeControl().control, logger: captureLog().logger, record: async () => {} };
    await expect(startOperatorApi({ ...options, bind: '127.0.0.1:0', token: '' })).rejects.toThrow(
      /needs a token/,
    );
    await expect(startOperatorApi({ ...options, bind: 'localhost', token: TOKEN })).rejects.toThrow(
      /host:port/,
    );
  });

  it('names the way out when its address is taken', async () => {
    const { url } = await start();
    const port = new URL(url).port;
    await expect(
      startOperatorApi({
        bind: `127.0.0.1:${port}`,
        token: TOKEN,
        control: fakeControl().control,
        logger: captureLog().logger,
        record: async () => {},
      }),
    ).rejects.toThrow(
      /cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\): set BOT_OPERATOR_BIND .* or pass --no-operator-api/,
    );
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
