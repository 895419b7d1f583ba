import type { Entry } from './config-entries';
import { IssueList, RANK, expectationFor, leafOf, toSegments, valueAt } from './config-entries';
import { ConfigError } from './config-error';
import { defaultsLayer, readEnvironmentLayer, readFileLayer, readOverridesLayer } from './config-layers';
import { variablesForPath } from './environment';
import type { BotConfig, ConfigOverrides, Mode, QuoteCoin } from './schema';
import {
  CONFIG_FILE_KEYS,
  LIVE_CONFIRMATION,
  SECRET_PATHS,
  botConfigSchema,
  parseUnifiedSymbol,
} from './schema';
import { REDACTED } from './secret';
import type { Tier, TierRiskLimits } from './tiers';
import { TIER_PRESETS } from './tiers';

export interface LoadConfigOptions {
  /** The process environment; the runner passes `process.env`. Variables that are not ours are ignored. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file. Without it, `BOT_CONFIG_FILE` names the file; without both, none is read. */
  readonly configFile?: string | undefined;
  /** Explicit overrides, typically CLI flags; they beat every other layer. `undefined` values count as unset. */
  readonly overrides?: ConfigOverrides | undefined;
}

function describeEntry(entry: Entry): string {
  switch (entry.source) {
    case 'env':
      return `env ${entry.origin ?? ''}`.trim();
    case 'file':
      return `config file ${entry.origin ?? ''}`.trim();
    case 'override':
      return 'overrides';
    case 'default':
      return 'default';
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Loads and validates the configuration from defaults < JSON config file < environment < overrides,
 * resolves mode, quote and settle coin, fills risk limits from the tier, and enforces the tier's hard
 * caps. Returns a deep-frozen {@link BotConfig}; throws a {@link ConfigError} listing every problem.
 * Reads files (the config file and `*_FILE` secrets) but never `process.env`: pass the environment in.
 */
export function loadConfig(options: LoadConfigOptions): BotConfig {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.env !== 'object' ||
    options.env === null
  ) {
    throw new TypeError('loadConfig({ env }) needs the environment, e.g. loadConfig({ env: process.env }).');
  }
  // The environment is read first because BOT_CONFIG_FILE may name the file; issues are reported in
  // layer order (file, env, overrides, then whatever only the combination reveals).
  const environmentIssues = new IssueList();
  const environment = readEnvironmentLayer(options.env, environmentIssues);
  const issues = new IssueList();
  const configFile = options.configFile ?? environment.configFile;
  const fileEntries = configFile === undefined ? new Map<string, Entry>() : readFileLayer(configFile, issues);
  issues.absorb(environmentIssues);
  const overrides =
    options.overrides === undefined
      ? { entries: new Map<string, Entry>(), liveConfirmed: false }
      : readOverridesLayer(options.overrides, issues);

  const merged = new Map<string, Entry>();
  for (const layer of [defaultsLayer(), fileEntries, environment.entries, overrides.entries]) {
    for (const [path, entry] of layer) merged.set(path, entry);
  }
  const valueOf = (path: string): unknown => merged.get(path)?.value;
  const derive = <T>(path: string, value: T, origin: string): T => {
    merged.set(path, { value, raw: value, source: 'default', origin, rank: RANK.default });
    return value;
  };

  // mode and testnet: TESTNET=true means mode testnet; an explicit mode that disagrees is an error.
  const modeEntry = merged.get('mode');
  const testnetEntry = merged.get('testnet');
  let mode: Mode;
  if (modeEntry === undefined) {
    mode = testnetEntry?.value === true ? 'testnet' : 'paper';
    derive('mode', mode, testnetEntry?.value === true ? 'testnet is true' : 'paper unless testnet is true');
  } else {
    mode = modeEntry.value as Mode;
    if (testnetEntry !== undefined && testnetEntry.value !== (mode === 'testnet')) {
      issues.add(
        {
          path: 'testnet',
          value: testnetEntry.raw,
          expected: `${mode === 'testnet'} or unset, since mode is ${mode} (from ${describeEntry(modeEntry)}); testnet=true means mode testnet`,
          source: testnetEntry.source,
          origin: testnetEntry.origin,
        },
        RANK.resolution,
      );
    }
  }

  const quoteCoin =
    (valueOf('quoteCoin') as QuoteCoin | undefined) ??
    derive<QuoteCoin>('quoteCoin', mode === 'testnet' ? 'USDT' : 'USDC', `${mode} mode`);
  const settleCoin =
    (valueOf('settleCoin') as QuoteCoin | undefined) ?? derive('settleCoin', quoteCoin, 'the quote coin');
  const symbols = (valueOf('symbols') as readonly string[]).map((symbol) =>
    parseUnifiedSymbol(symbol) === undefined ? `${symbol}/${quoteCoin}:${quoteCoin}` : symbol,
  );

  const tier = valueOf('strategy.tier') as Tier;
  const preset = TIER_PRESETS[tier].defaults;
  const risk = {} as Record<keyof TierRiskLimits, number>;
  for (const field of Object.keys(preset) as (keyof TierRiskLimits)[]) {
    risk[field] =
      (valueOf(`risk.${field}`) as number | undefined) ??
      derive(`risk.${field}`, preset[field], `tier ${tier}`);
  }
  const section = (name: string) =>
    Object.fromEntries((CONFIG_FILE_KEYS[name] ?? []).map((key) => [key, valueOf(`${name}.${key}`)]));

  const candidate = {
    mode,
    testnet: mode === 'testnet',
    quoteCoin,
    settleCoin,
    symbols,
    strategy: {
      ...section('strategy'),
      minRewardRisk:
        (valueOf('strategy.minRewardRisk') as number | undefined) ??
        derive('strategy.minRewardRisk', TIER_PRESETS[tier].minRewardRisk.default, `tier ${tier}`),
    },
    risk,
    orders: section('orders'),
    execution: section('execution'),
    positions: section('positions'),
    compliance: section('compliance'),
    operator: { ...section('operator'), token: environment.secrets.get('operator.token')?.value },
    notifications: {
      ...section('notifications'),
      url: environment.secrets.get('notifications.url')?.value,
    },
    credentials: {
      apiKey: environment.secrets.get('credentials.apiKey')?.value,
      apiSecret: environment.secrets.get('credentials.apiSecret')?.value,
    },
  };

  if (
    mode === 'live' &&
    !environment.liveConfirmed &&
    !overrides.liveConfirmed &&
    !issues.has('liveConfirm')
  ) {
    issues.add(
      {
        path: 'liveConfirm',
        value: undefined,
        expected: `BOT_LIVE_CONFIRM=${LIVE_CONFIRMATION} (or overrides.liveConfirm): live mode trades real money`,
        source: 'env',
        origin: 'BOT_LIVE_CONFIRM',
      },
      RANK.resolution,
    );
  }

  const result = botConfigSchema.safeParse(candidate);
  if (!result.success) {
    for (const zodIssue of result.error.issues) {
      const path = toSegments(zodIssue.path);
      const dotted = path.join('.');
      const leaf = leafOf(path);
      const secret = SECRET_PATHS.has(leaf);
      const entry = secret ? environment.secrets.get(leaf) : merged.get(leaf);
      if (issues.repeats(dotted, entry?.rank ?? -1)) continue;
      let value: unknown;
      if (secret) value = entry === undefined ? undefined : REDACTED;
      else if (entry !== undefined) value = dotted === leaf ? entry.raw : valueAt(candidate, path);
      issues.add(
        {
          path: dotted,
          value,
          expected: zodIssue.code === 'custom' ? zodIssue.message : expectationFor(path, zodIssue.message),
          source: entry?.source ?? (secret ? 'env' : 'default'),
          origin: entry?.origin ?? (secret ? variablesForPath(leaf) : undefined),
        },
        RANK.resolution,
      );
    }
  }

  if (issues.items.length > 0 || !result.success) throw new ConfigError(issues.items);
  return deepFreeze(result.data);
}
