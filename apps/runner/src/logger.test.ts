import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

function capture(format: 'json' | 'pretty', secrets: string[] = []) {
  const lines: string[] = [];
  const logger = createLogger({
    format,
    secrets,
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, text: () => lines.join('') };
}

describe('createLogger', () => {
  it('writes ISO 8601 UTC time in JSON lines, and the pretty format still reads it', () => {
    const json = capture('json');
    json.logger.info('tick');
    expect((JSON.parse(json.text()) as { time: unknown }).time).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    );
    const pretty = capture('pretty');
    pretty.logger.info('tick');
    expect(pretty.text()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: tick/);
  });

  const key = 'Kq7vXh2PZbA9rT4m';
  const secret = 'sEcReT-4f8a9b0c1d2e3f40';

  it('redacts secret fields by name, at the top level and one level down', () => {
    const { logger, text } = capture('json');
    logger.info(
      { apiKey: key, credentials: { apiSecret: secret }, token: 'operator-token-value' },
      'connecting',
    );
    const line = JSON.parse(text()) as Record<string, unknown>;
    expect(line['apiKey']).toBe('[redacted]');
    expect((line['credentials'] as Record<string, unknown>)['apiSecret']).toBe('[redacted]');
    expect(line['token']).toBe('[redacted]');
  });

  it('masks the configured secret values wherever they appear, messages and errors included', () => {
    for (const format of ['json', 'pretty'] as const) {
      const { logger, text } = capture(format, [key, secret]);
      logger.error({ err: new Error(`signature rejected for key ${key}`) }, `request with ${secret} failed`);
      expect(text()).not.toContain(key);
      expect(text()).not.toContain(secret);
      expect(text()).toContain('[redacted]');
    }
  });

  it('writes one JSON object a line in json format, and readable text in pretty format', () => {
    const json = capture('json');
    json.logger.info({ symbol: 'BTC/USDC:USDC' }, 'entry');
    expect(JSON.parse(json.text())).toMatchObject({ level: 30, msg: 'entry', symbol: 'BTC/USDC:USDC' });
    const pretty = capture('pretty');
    pretty.logger.warn('feed degraded');
    expect(pretty.text()).toMatch(/WARN.*feed degraded/);
    expect(() => JSON.parse(pretty.text()) as unknown).toThrow();
  });
});
