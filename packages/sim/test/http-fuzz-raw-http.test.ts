import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  send,
  sendRaw,
  expectErrorShape,
  accountSnapshot,
  KNOWN_PATHS,
  CONTROL_PATHS,
  useFuzzedSim,
} from './http-fuzz-support';

/**
 * Fuzzing the emulator's HTTP surface over real sockets with malformed HTTP on raw sockets (request lines,
 * header floods, truncated bodies, framing), and the regressions the fuzzing found.
 */

/** Whether a raw request's head is beyond Node's 16 KiB header limit. */
function oversized(chunks: readonly (string | Buffer)[]): boolean {
  const first = String(chunks[0] ?? '');
  const end = first.indexOf('\r\n\r\n');
  return (end === -1 ? first.length : end) > 16 * 1024;
}

describe('the REST server under fuzzed input', () => {
  const { sim, internalErrors } = useFuzzedSim();

  it('answers or closes on malformed HTTP, truncated bodies and header floods, and keeps serving', async () => {
    const routes = [...KNOWN_PATHS, ...CONTROL_PATHS];
    const rawCase = fc.oneof(
      // A request line that is not one: always refused with a 4xx before the connection closes.
      fc
        .oneof(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
          fc.string({
            unit: fc.constantFrom('G', 'E', 'T', ' ', '/', '\u0000', '\u00ff', 'é', '\t', 'H'),
            minLength: 1,
          }),
        )
        .filter((line) => !/[\r\n]/.test(line))
        .map((line) => ({ kind: 'request-line' as const, chunks: [`${line}\r\n\r\n`], endEarly: false })),
      fc
        .tuple(
          fc.constantFrom('GET', 'POST', 'FOO', 'get'),
          fc.constantFrom(...routes),
          fc.constantFrom('HTTP/1.1', 'HTTP/9.9', 'HTTP/1', ''),
        )
        .filter(([method, , version]) => !(method === 'GET' || method === 'POST') || version !== 'HTTP/1.1')
        .map(([method, route, version]) => ({
          kind: 'request-line' as const,
          chunks: [`${method} ${route} ${version}\r\nHost: x\r\n\r\n`],
          endEarly: false,
        })),
      // Many headers, or one huge one: served (200) while small enough, else 431.
      fc.tuple(fc.integer({ min: 1, max: 4_000 }), fc.integer({ min: 1, max: 40 })).map(([count, size]) => ({
        kind: 'header-flood' as const,
        chunks: [
          `GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\n${Array.from({ length: count }, (_, index) => `X-F${index}: ${'v'.repeat(size)}\r\n`).join('')}Connection: close\r\n\r\n`,
        ],
        endEarly: false,
      })),
      // A body shorter than announced, then the client goes away: nothing to answer, nothing to break.
      fc
        .tuple(fc.constantFrom(...routes), fc.integer({ min: 1, max: 1_000 }), fc.string({ maxLength: 50 }))
        .map(([route, extra, partial]) => ({
          kind: 'truncated' as const,
          chunks: [
            `POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(partial) + extra}\r\n\r\n`,
            partial,
          ],
          endEarly: true,
        })),
      // Framing the parser must refuse.
      fc
        .constantFrom(
          'POST /fapi/v1/order HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
          'POST /fapi/v1/order HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n',
          'POST /fapi/v1/order HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
          'POST /fapi/v1/order HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
          'GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n',
          'GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\nX-Long: ' + 'a'.repeat(20_000) + '\r\n\r\n',
        )
        .map((request) => ({ kind: 'framing' as const, chunks: [request], endEarly: false })),
    );
    await fc.assert(
      fc.asyncProperty(rawCase, async ({ kind, chunks, endEarly }) => {
        const received = await sendRaw(sim(), chunks, endEarly);
        const label = `${kind}: ${JSON.stringify(chunks[0]?.slice(0, 80))} → ${JSON.stringify(received.slice(0, 160))}`;
        // Bytes that are not HTTP may be closed without an answer (README); a request too large to read
        // (a header flood) must be answered, 200 while it fits and 431 beyond.
        if (received === '') {
          expect(kind === 'header-flood' || oversized(chunks), label).toBe(false);
          return;
        }
        const statusLine = /^HTTP\/1\.1 (\d{3}) /.exec(received);
        expect(statusLine, label).not.toBeNull();
        const status = Number(statusLine?.[1]);
        expect(status, label).toBeLessThan(500);
        if (kind === 'header-flood') expect([200, 431], label).toContain(status);
        else expect(status, label).toBeGreaterThanOrEqual(400);
        const body = received.slice(received.indexOf('\r\n\r\n') + 4);
        if (status >= 400 && body !== '' && !received.includes('Transfer-Encoding: chunked'))
          expectErrorShape('/', body);
      }),
      { numRuns: 120, seed: 20_260_503 },
    );
    expect(internalErrors()).toEqual([]);
    expect((await send(sim(), { method: 'GET', path: '/fapi/v1/ping' })).status).toBe(200);
    expect(accountSnapshot(sim()).openOrders).toEqual([]);
  });

  describe('regressions the fuzzing found', () => {
    it('answers an overlong URL or header block with 431 in Binance shape, not a bare reset', async () => {
      const long = await send(sim(), { method: 'GET', path: `/fapi/v1/time?pad=${'a'.repeat(20_000)}` });
      expect(long.status).toBe(431);
      expect(JSON.parse(long.body)).toEqual({
        code: -1000,
        msg: 'Request rejected: Request Header Fields Too Large.',
      });
      const head = await send(sim(), { method: 'HEAD', path: `/fapi/v1/time?pad=${'a'.repeat(20_000)}` });
      expect(head).toEqual({ status: 431, body: '' });
      const headers = Object.fromEntries(
        Array.from({ length: 1_000 }, (_, index) => [`X-F${index}`, 'v'.repeat(20)]),
      );
      expect((await send(sim(), { method: 'GET', path: '/fapi/v1/ping', headers })).status).toBe(431);
      // Bytes that are not HTTP at all are still closed without an answer, as the README says.
      expect(await sendRaw(sim(), ['NOT HTTP AT ALL\r\n\r\n'], false)).toBe('');
      expect((await send(sim(), { method: 'GET', path: '/fapi/v1/ping' })).status).toBe(200);
    });

    it('refuses faults of the wrong type instead of storing them and answering every later request 500', async () => {
      for (const body of [
        '{"httpErrors": 5}',
        '{"httpErrors": [{"status": 9999}]}',
        '{"maintenence": true}',
      ]) {
        const answer = await send(sim(), { method: 'POST', path: '/_sim/faults', body });
        expect(answer.status, body).toBe(400);
        expect(JSON.parse(answer.body), body).toEqual({ error: expect.any(String) });
        expect((await send(sim(), { method: 'GET', path: '/fapi/v1/time' })).status, body).toBe(200);
      }
      // Faults of the right type still work over HTTP.
      const good = await send(sim(), {
        method: 'POST',
        path: '/_sim/faults',
        body: '{"httpErrors": [{"status": 502, "pathContains": "/fapi/v1/time"}]}',
      });
      expect(good.status).toBe(200);
      expect((await send(sim(), { method: 'GET', path: '/fapi/v1/time' })).status).toBe(502);
      expect((await send(sim(), { method: 'GET', path: '/fapi/v1/time' })).status).toBe(200);
      expect(internalErrors()).toEqual([]);
    });

    it('survives a client that leaves mid-body, on the control plane (it crashed) and on the API', async () => {
      for (const path of ['/_sim/advance', '/_sim/faults', '/fapi/v1/order']) {
        const received = await sendRaw(
          sim(),
          [`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"ms"`],
          true,
        );
        expect(received, path).toBe('');
      }
      expect((await send(sim(), { method: 'GET', path: '/fapi/v1/ping' })).status).toBe(200);
      // A client going away is not an emulator bug.
      expect(internalErrors()).toEqual([]);
    });
  });
});
