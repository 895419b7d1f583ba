import { ConfigError, describeConfig, loadConfig } from '@bot/config';
import type { ConfigOverrides } from '@bot/config';

export interface QuickCheckOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly configFile?: string | undefined;
  /** `--mode` from the command line; it beats the file and the environment. */
  readonly mode?: string | undefined;
  readonly print: (line: string) => void;
}

/**
 * Stage H's quick check: load and validate the configuration, print the redacted summary the bot would
 * trade with, and return the process exit code (0 when everything checked is fine, 1 otherwise).
 * The network checks (connectivity, clock offset, key permissions, symbols) join with @bot/exchange.
 */
export async function runQuickCheck(options: QuickCheckOptions): Promise<number> {
  const overrides = options.mode === undefined ? {} : { mode: options.mode as ConfigOverrides['mode'] };
  try {
    const config = loadConfig({ env: options.env, configFile: options.configFile, overrides });
    options.print('bot quick-check: configuration is valid');
    for (const line of describeConfig(config).split('\n')) options.print(`  ${line}`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      options.print(`bot quick-check: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
