import { ConfigError, describeConfig, loadConfig } from '@bot/config';
import type { BotConfig, ConfigOverrides } from '@bot/config';
import { createExchange } from '@bot/exchange';
import type { CcxtExchange } from '@bot/exchange';
import { judgeKeyPermissions, readKeyPermissions } from './key-permissions';
import { describeOperatorProtection } from './operator-auth';
// `bot run`'s code: the same bad input gets the same exit code from both commands.
import { EXIT_BAD_INPUT } from './run-command';

export interface QuickCheckOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly configFile?: string | undefined;
  /** `--mode` from the command line; it beats the file and the environment. */
  readonly mode?: string | undefined;
  /** Paper mode against a running emulator: runs the network checks against it. */
  readonly simUrl?: string | undefined;
  readonly print: (line: string) => void;
}

/** Clock offsets beyond this fail the check: Binance refuses signed requests outside recvWindow. */
const MAX_CLOCK_OFFSET_MS = 1000;

/**
 * Stage H's quick check: load and validate the configuration and print the redacted summary the bot would
 * trade with; in testnet and live mode (or paper with `--sim-url`), then check connectivity, the clock
 * offset, that the keys are accepted (a signed read) and that every symbol trades. Returns the exit code:
 * 0 when every check passed, 2 for bad input as `bot run` says it (an invalid configuration, an operator
 * token file the bot would refuse), 1 when a check failed.
 */
export async function runQuickCheck(options: QuickCheckOptions): Promise<number> {
  const overrides = options.mode === undefined ? {} : { mode: options.mode as ConfigOverrides['mode'] };
  let config: BotConfig;
  try {
    config = loadConfig({ env: options.env, configFile: options.configFile, overrides });
  } catch (error) {
    if (error instanceof ConfigError) {
      options.print(`bot quick-check: ${error.message}`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
  options.print('bot quick-check: configuration is valid');
  for (const line of describeConfig(config).split('\n')) options.print(`  ${line}`);
  const operator = describeOperatorProtection(config);
  options.print(operator.line);
  if (config.mode === 'paper' && !options.simUrl) {
    options.print(
      'network checks: skipped in paper mode (the emulator runs in-process; --sim-url checks one)',
    );
    return operator.ok ? 0 : EXIT_BAD_INPUT;
  }
  const passed = await networkChecks(config, options);
  // The token file is bad input (`bot run` exits 2 over it, before connecting): it decides over a failed check.
  if (!operator.ok) return EXIT_BAD_INPUT;
  return passed ? 0 : 1;
}

async function networkChecks(config: BotConfig, options: QuickCheckOptions): Promise<boolean> {
  const { print } = options;
  let passed = true;
  const check = async (name: string, run: () => Promise<string>) => {
    try {
      print(`  ok    ${name}: ${await run()}`);
    } catch (error) {
      passed = false;
      print(`  FAIL  ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  print(`network checks (${config.mode}${options.simUrl ? ` at ${options.simUrl}` : ''}):`);
  let exchange: CcxtExchange | undefined;
  await check('connectivity and keys', async () => {
    exchange = await createExchange({
      mode: config.mode,
      simUrl: options.simUrl,
      apiKey: config.credentials.apiKey?.reveal(),
      apiSecret: config.credentials.apiSecret?.reveal(),
      execution: { ...config.execution, maxRetries: 0 },
    });
    const balances = await exchange.fetchBalances();
    const quote = balances.find((balance) => balance.asset === config.quoteCoin);
    return `signed read accepted, one-way position mode; ${config.quoteCoin} margin balance ${quote?.marginBalance ?? '0'} (trading permission shows with the first order)`;
  });
  if (!exchange) return false;
  const connected = exchange;
  await check('clock offset', async () => {
    await connected.resyncClock();
    const offset = Number((connected.client.options as { timeDifference?: number }).timeDifference ?? 0);
    if (Math.abs(offset) > MAX_CLOCK_OFFSET_MS) {
      throw new Error(
        `${offset} ms from the exchange (more than ${MAX_CLOCK_OFFSET_MS} ms): fix the host's clock (NTP)`,
      );
    }
    return `${offset} ms (limit ±${MAX_CLOCK_OFFSET_MS} ms, recvWindow ${config.execution.recvWindowMs} ms)`;
  });
  await check("the API key's permissions", async () => {
    const { permissions, unreadable } = await readKeyPermissions(connected);
    if (!permissions) return `not readable (${unreadable}); not checked`;
    const verdict = judgeKeyPermissions(config.mode, permissions, config.compliance.allowWithdrawalKey);
    if (verdict.refusal) throw new Error(verdict.refusal);
    const said = verdict.warnings.map((warning) => `WARNING ${warning}`).join('; ');
    return said || 'no withdrawals, bound to trusted IPs, futures enabled';
  });
  await check('symbols', async () => {
    const known = new Set<string>((await connected.instruments()).map((instrument) => instrument.symbol));
    const missing = config.symbols.filter((symbol) => !known.has(symbol));
    if (missing.length > 0) throw new Error(`not trading on this exchange: ${missing.join(', ')}`);
    return config.symbols.join(', ');
  });
  return passed;
}
