import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { OperatorApiError } from './operator-api';
import { startBot } from './run';
import { UnknownSymbolError } from './trader';
import { captureLog, tempDir, testConfig } from './testing';

/** Log lines that mean the bot went past its checks: the account read, the feeds connecting. */
const PAST_CHECKS = /reconciled with the exchange|feed connecting|warm/;

describe('checks before connecting', () => {
  it('an operator-API port in use stops the start before the account is read and the feeds connect', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const log = captureLog();
      const start = startBot({
        config: testConfig(tempDir(), { BOT_OPERATOR_BIND: `127.0.0.1:${port}` }),
        logger: log.logger,
        paper: { seed: 3, speed: 'manual' },
      });
      await expect(start).rejects.toThrow(OperatorApiError);
      await expect(start).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
      expect(log.messages().filter((message) => PAST_CHECKS.test(message))).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('an unknown symbol stops the start before the account is read and the feeds connect', async () => {
    const log = captureLog();
    const start = startBot({
      config: testConfig(tempDir(), { BOT_SYMBOLS: 'BTC,DOGEFAKE' }),
      logger: log.logger,
      paper: { seed: 3, speed: 'manual' },
      operatorApi: false,
    });
    await expect(start).rejects.toThrow(UnknownSymbolError);
    expect(log.messages().filter((message) => PAST_CHECKS.test(message))).toEqual([]);
  });
});
