import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { AuditCorruptError, openAuditTrail } from '@bot/audit';
import type { BotConfig } from '@bot/config';
import { createExchange, isExchangeAdapterError } from '@bot/exchange';
import type { RateLimitedError, RuntimeOptions } from '@bot/exchange';
import { parseKlineCsv, startSim } from '@bot/sim';
import type { Candle, ListedContract, ReplaySpec, Sim } from '@bot/sim';
import { backoffDelay, klineIntervalMs, perpSymbol, toExchangeId } from '@bot/symbols';
import type { KlineInterval } from '@bot/symbols';
import { checkpointHint, verifyTrailSinceCheckpoint } from './audit-checkpoint';
import { BotStateStore, statePathFor } from './bot-state';
import { isEntryRecord, recoverUnsavedEntries } from './unsaved-entries';
import { buildCard, formatBuildCard } from './build-card';
import { ccxtRestRequest } from './ccxt-rest';
import { KeyPermissionError, judgeKeyPermissions, readKeyPermissions } from './key-permissions';
import type { Logger } from './logger';
import { Notifier, notificationSecrets } from './notifications';
import type { NotifierTuning } from './notifications';
import { OperatorApiError, startOperatorApi } from './operator-api';
import type { OperatorApi } from './operator-api';
import { resolveOperatorToken } from './operator-auth';
import type { OperatorToken } from './operator-auth';
import { playbookForError } from './playbooks';
import { Trader } from './trader';
import { tradesForConsole } from './trades/trades-route';
import type { RunSummary, TraderOptions } from './trader';
import type { InProcessFeeds } from './trader/feeds';

/** Paper mode's emulator: started in-process, or one already running (`bot sim`, a test's). */
export interface PaperMarket {
  /** Seed of the synthetic market: the same seed, the same prices. */
  readonly seed?: number;
  /** Market clock speed (60: an hour a minute), or `manual` (moves only with `sim.advance`). */
  readonly speed?: number | 'manual';
  /** A Binance archive kline CSV (1m) to replay instead of the synthetic market; trades its one symbol. */
  readonly replayFile?: string;
  /** An emulator already running; the API key and secret come from the config's credentials. */
  readonly url?: string;
  /** Candles to replay, already read (`bot backtest`); trades their one symbol like `replayFile`. */
  readonly replay?: { readonly symbol: string; readonly base: string; readonly candles: readonly Candle[] };
  /**
   * Several symbols' candles replayed together on one account (`bot backtest`); trades all of them. Candles
   * given as a stream (not an array) are read as the clock reaches them, with their volume grid (`stepSize`).
   */
  readonly replays?: readonly (ReplaySpec & { readonly base: string })[];
  /**
   * The emulator serves this process only (`bot backtest`): no HTTP server, no sockets. The ccxt adapter sends
   * through `sim.fetch` and the feeds listen to the emulator directly; the Trader is the same.
   */
  readonly inProcess?: boolean;
  /** The emulator's listed contracts (default its own five); `bot backtest` lists the instrument snapshot's. */
  readonly contracts?: readonly ListedContract[];
  /**
   * The emulator's request-weight limit per wall-clock minute (default Binance's 2400). `bot backtest` lifts
   * it: it plays days of market in a wall-clock minute, and the bot's requests per market minute are what
   * Binance would see.
   */
  readonly weightLimitPerMinute?: number;
}

/**
 * The configured secret values (API key and secret, operator token, the notification webhook's URL with
 * its path and Telegram token) that must never be printed or recorded.
 */
export function configSecrets(config: BotConfig): string[] {
  const url = config.notifications.url?.reveal();
  return [config.credentials.apiKey, config.credentials.apiSecret, config.operator.token]
    .map((secret) => secret?.reveal())
    .filter((value): value is string => value !== undefined)
    .concat(url === undefined ? [] : notificationSecrets(url));
}

export interface StartBotOptions {
  readonly config: BotConfig;
  readonly logger: Logger;
  readonly paper?: PaperMarket;
  /** Start the operator API on `config.operator.bind` (default true). */
  readonly operatorApi?: boolean;
  /** The operator API's token when the caller resolved it already (`bot run` does, to mask it in its log). */
  readonly operatorToken?: OperatorToken;
  /** Feed health tuning (tests; the defaults suit Binance). */
  readonly feeds?: TraderOptions['feeds'];
  /** Your own strategy per symbol (`@bot/strategy`'s `Strategy` interface); default the breakout strategy. */
  readonly createStrategy?: TraderOptions['createStrategy'];
  /**
   * The exchange adapter's clock and sleep (default the wall clock): `bot backtest` gives the emulator's
   * manual clock, so a wait for a fill lets market time pass instead of wall time.
   */
  readonly exchangeRuntime?: (sim: Sim | undefined) => Pick<RuntimeOptions, 'now' | 'sleep'>;
  /** Delivery tuning of the notification webhook (tests; the defaults suit a chat service). */
  readonly notifications?: NotifierTuning;
  /**
   * `none`: the audit trail and the state file beside it are written but never synced to disk (`bot backtest
   * --audit off`, whose trail is a scratch file deleted at the end). Default `batch`, as every run that keeps
   * its trail.
   */
  readonly auditDurability?: 'batch' | 'none';
}

export interface RunningBot {
  readonly trader: Trader;
  /** The in-process emulator (paper mode without `paper.url`). */
  readonly sim: Sim | undefined;
  readonly operatorApi: OperatorApi | undefined;
  /** The webhook notifier, when `BOT_NOTIFY_URL` is set. */
  readonly notifier: Notifier | undefined;
  /**
   * `--replay`: resolves once the file is used up and the bot has handled its last closed candle (or
   * gave up waiting for it), with the market time at the end. Undefined for every other market.
   */
  readonly replayFinished: Promise<number> | undefined;
  /** Stops opening, drains, optionally flattens, closes everything; resolves to the run's summary. */
  stop(options?: { readonly flatten?: boolean }): Promise<RunSummary>;
}

/** Binance's WebSocket bases per mode (docs/BINANCE.md: demo trading for testnet). */
const WS_BASE = { testnet: 'wss://fstream.binancefuture.com', live: 'wss://fstream.binance.com' } as const;

/**
 * Minutes of 1m history the emulator makes before its start: enough for the strategy's warm-up (about 60
 * candles) on the configured timeframe, capped so a daily timeframe does not take long to generate (it
 * then warms up partly on live candles).
 */
function paperHistoryMinutes(timeframe: KlineInterval): number {
  const candleMs = klineIntervalMs(timeframe) ?? Number.POSITIVE_INFINITY; // 1M: no fixed length
  return Math.min(10_000, Math.max(300, (80 * candleMs) / 60_000));
}

/**
 * Starts the bot in the config's mode: the exchange client, the audit trail (its first record of the run is
 * the build card), the state store beside it, the trader (reconcile first), and the operator API.
 */
export async function startBot(options: StartBotOptions): Promise<RunningBot> {
  let { config } = options;
  const { logger } = options;
  // The operator API binds last, once the trader runs: an address in use is found now, before anything
  // reads the account or connects a feed.
  if (options.operatorApi ?? true) await probeOperatorBind(config.operator.bind);
  let sim: Sim | undefined;
  let replayEndTime: number | undefined;
  let connection: { restUrl?: string; wsBaseUrl: string; apiKey: string; apiSecret: string };
  if (config.mode === 'paper') {
    const paper = options.paper ?? {};
    if (paper.url) {
      connection = {
        restUrl: paper.url,
        wsBaseUrl: paper.url.replace(/^http/, 'ws'),
        apiKey: config.credentials.apiKey?.reveal() ?? '',
        apiSecret: config.credentials.apiSecret?.reveal() ?? '',
      };
    } else {
      const replay =
        paper.replay ?? (paper.replayFile ? readReplay(paper.replayFile, config.quoteCoin) : undefined);
      const replays: readonly (ReplaySpec & { readonly base: string })[] =
        paper.replays ?? (replay ? [replay] : []);
      if (replays.length > 0) {
        config = { ...config, symbols: replays.map((one) => perpSymbol(one.base, config.quoteCoin)) };
      }
      // The end of the data is known up front only for arrays (`--replay`); a stream's reader knows its own.
      const lastCandles = replays.flatMap((one) =>
        Array.isArray(one.candles) ? ((one.candles as readonly Candle[]).at(-1) ?? []) : [],
      );
      if (lastCandles.length > 0)
        replayEndTime = Math.max(...lastCandles.map((candle) => candle.openTime)) + 60_000;
      sim = await startSim({
        // The in-process feed keeps only a stream's latest mark and forming candle (InProcessBatch).
        ...(paper.inProcess ? { listen: false, coalesceTicks: true } : {}),
        seed: paper.seed ?? 42,
        speed: paper.speed ?? 60,
        historyMinutes: paperHistoryMinutes(config.strategy.timeframe),
        ...(replays.length > 0
          ? {
              replays: replays.map(({ symbol, candles, stepSize }) => ({
                symbol,
                candles,
                ...(stepSize !== undefined ? { stepSize } : {}),
              })),
            }
          : {}),
        ...(paper.contracts ? { contracts: paper.contracts } : {}),
        ...(paper.weightLimitPerMinute ? { weightLimitPerMinute: paper.weightLimitPerMinute } : {}),
      });
      const [account] = sim.accounts;
      connection = {
        restUrl: sim.url,
        wsBaseUrl: sim.wsUrl,
        apiKey: account?.apiKey ?? '',
        apiSecret: account?.apiSecret ?? '',
      };
    }
  } else {
    connection = {
      wsBaseUrl: WS_BASE[config.mode],
      apiKey: config.credentials.apiKey?.reveal() ?? '',
      apiSecret: config.credentials.apiSecret?.reveal() ?? '',
    };
  }

  const closeOnFailure: (() => Promise<unknown>)[] = [];
  try {
    if (sim) closeOnFailure.push(() => (sim as Sim).close());
    const card = buildCard(config, {
      ...(options.paper?.url ? { emulator: options.paper.url } : {}),
      ...(sim
        ? { emulator: sim.url, seed: options.paper?.seed ?? 42, speed: options.paper?.speed ?? 60 }
        : {}),
      ...(options.paper?.replayFile ? { replay: options.paper.replayFile } : {}),
    });
    // One record: the card once, its lines in the message (a person reads them; a machine reads buildCard).
    logger.info({ buildCard: card }, formatBuildCard(card).join('\n'));
    if (!config.compliance.recordRationale) {
      logger.warn(
        'compliance.recordRationale=false is not honoured: decision records are what restarts and audits rely on; recording them',
      );
    }
    // Before the trail opens, so a generated token is among the values the trail must never hold.
    const operatorToken =
      (options.operatorApi ?? true) ? (options.operatorToken ?? resolveOperatorToken(config)) : undefined;
    const secrets = [...configSecrets(config), ...(operatorToken ? [operatorToken.value] : [])];
    const audit = await openAuditTrail({
      path: config.compliance.auditPath,
      durability: options.auditDurability ?? 'batch',
      // The trail's guard refuses values shorter than 8 characters (they would redact ordinary words).
      secrets: { values: secrets.filter((value) => value.length >= 8) },
    }).catch((error: unknown) => {
      // Opening checks the tail it continues from: a damaged one is playbook audit-verification-failed.
      if (error instanceof AuditCorruptError) throw trailBroken(error.message);
      throw unwritableTrail(config.compliance.auditPath, error) ?? error;
    });
    closeOnFailure.push(() => audit.close());
    // The start-up check of playbook audit-verification-failed: never extend a trail that does not verify
    // (opening it has already recovered a line torn by a crash, which is not damage). It reads from the last
    // verified checkpoint on; `bot audit verify` checks the whole trail.
    await audit.flush();
    const auditPath = config.compliance.auditPath;
    // A trail that does not fsync (a backtest's scratch trail) gets a state file that does not either.
    const state = new BotStateStore(statePathFor(auditPath), { synced: options.auditDurability !== 'none' });
    // A new emulator account starts with a fresh state: the trail's entries are another account's.
    const verdict = await verifyTrailSinceCheckpoint(
      auditPath,
      logger,
      sim
        ? undefined
        : {
            keep: isEntryRecord,
            beforeMoving: (records, verified) =>
              recoverUnsavedEntries(state, records, verified.lastSeq, logger, {
                tier: config.strategy.tier,
                limits: config.risk,
              }),
          },
    );
    if (!verdict.ok) {
      throw trailBroken(
        `${verdict.file}:${verdict.line}: ${verdict.reason}: ${verdict.message}.${checkpointHint(auditPath, verdict)}`,
      );
    }
    await audit.append('run.build-card', card);
    // The trader writes through the notifier's view of the trail: what it records is what is notified.
    const notifier = Notifier.fromConfig(config, logger, options.notifications);
    if (notifier) closeOnFailure.push(() => notifier.close());
    const trail = notifier?.watch(audit) ?? audit;

    const exchange = await createExchange({
      mode: config.mode,
      simUrl: connection.restUrl,
      apiKey: connection.apiKey,
      apiSecret: connection.apiSecret,
      enableRateLimit: config.mode !== 'paper',
      ...(sim && options.paper?.inProcess ? { fetch: sim.fetch } : {}),
      orders: config.orders,
      execution: config.execution,
      leverage: config.risk.leverageDefault,
      ...options.exchangeRuntime?.(sim),
      // Every request is logged at debug; warnings and errors (retries, incidents) stay visible.
      log: (entry) =>
        logger[entry.level === 'info' ? 'debug' : entry.level](
          { event: entry.event },
          `exchange: ${entry.message}`,
        ),
    });
    // The key's permissions, when the exchange is not the in-process emulator (testnet, live, --sim-url).
    if (!sim) {
      const { permissions, unreadable } = await readKeyPermissions(exchange);
      if (permissions) {
        const verdict = judgeKeyPermissions(config.mode, permissions, config.compliance.allowWithdrawalKey);
        for (const warning of verdict.warnings) logger.warn({ keyPermissions: permissions }, warning);
        if (verdict.refusal) throw new KeyPermissionError(verdict.refusal);
      } else {
        logger.warn(`the API key's permissions could not be read (${unreadable}); not checked`);
      }
    }
    const trader = new Trader({
      config,
      exchange,
      audit: trail,
      state,
      logger,
      wsBaseUrl: connection.wsBaseUrl,
      rest: ccxtRestRequest(exchange),
      freshState: sim !== undefined,
      createStrategy: options.createStrategy,
      feeds: options.feeds,
      inProcessFeeds: sim && options.paper?.inProcess ? inProcessFeeds(sim) : undefined,
    });
    await trader.start();
    closeOnFailure.push(() => trader.stop());
    let operatorApi: OperatorApi | undefined;
    if (operatorToken) {
      operatorApi = await startOperatorApi({
        bind: config.operator.bind,
        token: operatorToken.value,
        // The console shows the build card beside the trader's status.
        control: {
          health: () => trader.health(),
          status: () => ({ ...trader.status(), build: card }),
          halt: (reason) => trader.halt(reason),
          resume: (reason) => trader.resume(reason),
          flatten: (reason) => trader.flatten(reason),
          trades: (query) => tradesForConsole(auditPath, query),
        },
        logger,
        record: (call) =>
          trail.appendRationale({
            action: 'operator.command',
            lens: 'Operator',
            why: `${call.route} by the operator token ${call.tokenId} from ${call.remoteAddress}`,
            details: { ...call },
          }),
      });
      closeOnFailure.push(() => (operatorApi as OperatorApi).close());
      logger.info(
        { url: operatorApi.url, operatorTokenId: operatorToken.id },
        `operator console: open ${operatorApi.url}/ in a browser and paste the token (the JSON API is on the same address: GET /status, POST /halt …); ${describeTokenSource(operatorToken)}`,
      );
    }
    notifier?.followDays(() => ({ ...trader.progress(), ...trader.summary() }));
    logger.info(
      `trading ${config.symbols.map(toExchangeId).join(', ')} on ${config.strategy.timeframe} candles in ${config.mode} mode`,
    );
    const replayFinished =
      sim && replayEndTime !== undefined
        ? replayDone(sim, trader, config.strategy.timeframe, replayEndTime)
        : undefined;
    return {
      trader,
      sim,
      operatorApi,
      notifier,
      replayFinished,
      async stop(stopOptions = {}) {
        await operatorApi?.close();
        await trader.stop(stopOptions);
        const summary = trader.summary();
        await audit.append('run.summary', { ...summary });
        await audit.close();
        // Bounded: a webhook that is down costs the stop at most the notifier's flush time.
        await notifier?.close();
        // The run's records checked once more, so the next start reads only what comes after them.
        const closing = await verifyTrailSinceCheckpoint(auditPath, logger);
        if (!closing.ok) {
          logger.error(
            { playbook: 'audit-verification-failed' },
            `playbook audit-verification-failed: the trail does not verify at stop (${closing.file}:${closing.line}: ${closing.reason}: ${closing.message}); the next start refuses it`,
          );
        }
        await sim?.close();
        return summary;
      },
    };
  } catch (error) {
    for (const close of closeOnFailure.reverse()) await close().catch(() => undefined);
    throw error;
  }
}

/** The emulator's streams for the Trader of this process: its market streams, and its one account's events. */
function inProcessFeeds(sim: Sim): InProcessFeeds {
  const accountId = sim.accounts[0]?.accountId ?? '';
  return {
    market: (streams, deliver) => sim.streams.listen(streams, deliver),
    userData: (deliver) => sim.streams.listenUser(accountId, deliver),
    userDataWithheld: () => sim.streams.userDataWithheld,
  };
}

/** Where the operator finds the token, for the start-up log; never the token itself. */
function describeTokenSource(token: OperatorToken): string {
  if (token.source === 'config') return `token ${token.id} from BOT_OPERATOR_TOKEN(_FILE)`;
  const how = token.generated ? 'generated into' : 'read from';
  return `token ${token.id} ${how} ${token.path} (send it as Authorization: Bearer $(cat ${token.path}); delete the file to rotate it)`;
}

export interface RunBotOptions extends StartBotOptions {
  /** Wall-clock run time; without it the bot runs until `signal` aborts. */
  readonly durationMs?: number;
  /** SIGINT/SIGTERM: stop opening, keep protection, flush the audit trail, return the summary. */
  readonly signal?: AbortSignal;
  /** Close every position at market when stopping (default: leave them protected on the exchange). */
  readonly flattenOnExit?: boolean;
  /** Wall ms between heartbeat lines (market time, equity, positions, PnL); 0 for none. Default 5 minutes. */
  readonly heartbeatMs?: number;
}

/** The heartbeat's default interval: often enough to see a long run is alive, rare enough not to drown it. */
export const DEFAULT_HEARTBEAT_MS = 5 * 60_000;

/** Start-up retries: 8, from about 1 s doubling to about 60 s, 1.5 to 3 minutes in all before giving up. */
const START_RETRIES = 8;
const START_BACKOFF = { initialDelayMs: 1_000, maxDelayMs: 60_000 } as const;

/**
 * `startBot`, tried again with backoff while the exchange is unreachable, in maintenance or rate limiting:
 * a bot restarted after a crash must get to its start-up reconcile (which protects any bare position) even
 * through an outage, without a supervisor. Gives up after the last delay, or when `signal` aborts.
 */
export async function startBotWithRetries(
  options: StartBotOptions & { readonly signal?: AbortSignal },
): Promise<RunningBot> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await startBot(options);
    } catch (error) {
      const delay = attempt < START_RETRIES ? backoffDelay(attempt, START_BACKOFF, Math.random) : undefined;
      // The playbook table says which failures may pass (`detectedBy.retryStart`: maintenance, rate limits).
      const playbook = playbookForError(error);
      if (delay === undefined || !playbook?.detectedBy.retryStart || options.signal?.aborted) throw error;
      // A ban longer than a request waits in-call is waited out here: the next attempt's client starts
      // without the pause, and a request sent during the ban only lengthens it.
      const wait = Math.max(delay, retryAfterMs(error));
      options.logger.warn(
        { err: error, playbook: playbook.id, attempt: attempt + 1 },
        `playbook ${playbook.id}: start-up failed (${(error as Error).message}); trying again in ${Math.ceil(wait / 1000)} s`,
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        options.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (options.signal?.aborted) throw error;
    }
  }
}

/** The Retry-After of a `RateLimitedError` (429/418), in ms; 0 for any other error. */
function retryAfterMs(error: unknown): number {
  return isExchangeAdapterError(error) && error.code === 'RATE_LIMITED'
    ? (error as RateLimitedError).retryAfterMs
    : 0;
}

/** Wall time the end of a replay waits for the feed to bring the last candle to the bot. */
const REPLAY_LAST_CANDLE_WAIT_MS = 10_000;

/**
 * The replay's end (`end`: the close of the file's last minute), once the emulator has used the file up and
 * the bot has handled the last candle of its timeframe that closed within the file.
 */
async function replayDone(sim: Sim, trader: Trader, timeframe: KlineInterval, end: number): Promise<number> {
  await sim.marketEnd;
  const candleMs = klineIntervalMs(timeframe) ?? 60_000;
  const lastClose = Math.floor(end / candleMs) * candleMs - 1;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    trader.processedThrough(lastClose),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, REPLAY_LAST_CANDLE_WAIT_MS))),
  ]);
  clearTimeout(timer);
  return end;
}

/**
 * `bot run`: starts the bot, runs until the duration ends, the signal aborts or a `--replay` file is used
 * up, and stops it cleanly.
 */
export async function runBot(options: RunBotOptions): Promise<RunSummary> {
  const bot = await startBotWithRetries(options);
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const quote = options.config.quoteCoin;
  const heartbeat =
    heartbeatMs > 0
      ? setInterval(() => {
          const progress = bot.trader.progress();
          options.logger.info(
            { heartbeat: progress },
            `heartbeat: market ${new Date(progress.marketTime).toISOString()}, equity ${
              progress.equity === undefined ? 'n/a' : `${progress.equity.toFixed(2)} ${quote}`
            }, ${progress.openPositions} open position(s), ${progress.entries} trade(s), realized PnL ${progress.realizedPnl.toFixed(2)} ${quote}`,
          );
        }, heartbeatMs)
      : undefined;
  heartbeat?.unref();
  const replayEnd = await new Promise<number | undefined>((resolve) => {
    if (options.signal?.aborted) return resolve(undefined);
    const timer =
      options.durationMs === undefined ? undefined : setTimeout(() => resolve(undefined), options.durationMs);
    const done = (value: number | undefined) => {
      clearTimeout(timer);
      resolve(value);
    };
    options.signal?.addEventListener('abort', () => done(undefined));
    void bot.replayFinished?.then(done);
  });
  clearInterval(heartbeat);
  if (replayEnd !== undefined) {
    options.logger.info(
      { marketTime: new Date(replayEnd).toISOString() },
      `replay finished: ${options.paper?.replayFile ?? 'the file'} is used up at ${new Date(replayEnd).toISOString()} (market time)`,
    );
  }
  options.logger.info(
    options.flattenOnExit
      ? 'stopping: no new entries, closing every position (--flatten-on-exit)'
      : 'stopping: no new entries; open positions keep their stop-loss and take-profit on the exchange',
  );
  return bot.stop({ flatten: options.flattenOnExit ?? false });
}

/** A Binance archive CSV named like `BTCUSDC-1m-2026-01.csv` (the name gives the symbol). */
function readReplay(
  path: string,
  quoteCoin: string,
): { symbol: string; base: string; candles: ReturnType<typeof parseKlineCsv> } {
  const name = path.split(/[\\/]/).pop() ?? path;
  const match = new RegExp(`^([A-Z0-9]+)${quoteCoin}-1m-`).exec(name);
  if (!match?.[1]) {
    throw new ReplayNameError(
      `--replay ${path}: name the file as Binance's archive does, <BASE>${quoteCoin}-1m-<date>.csv (e.g. BTC${quoteCoin}-1m-2026-01.csv), so the symbol is known`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReplayNameError(
      `--replay ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (error as Error).message})`}`,
    );
  }
  const candles = parseKlineCsv(text);
  return { symbol: `${match[1]}${quoteCoin}`, base: match[1], candles };
}

/**
 * Binds `bind` (host:port) for a moment and lets it go: an address in use or not ours fails with the
 * operator API's own error. A malformed address, a port 0 and the refusals of policy (a token needed beyond
 * loopback) are left to `startOperatorApi`, which reports them the same way.
 */
async function probeOperatorBind(bind: string): Promise<void> {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(bind);
  const port = Number(match?.[2]);
  if (!match?.[1] || !(port > 0 && port <= 65535)) return;
  const host = match[1].replace(/^\[(.*)\]$/, '$1');
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new OperatorApiError(
          `the operator API cannot listen on ${bind} (${error.code ?? error.message}): set BOT_OPERATOR_BIND to a free address, or pass --no-operator-api`,
        ),
      ),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

export class AuditTrailBrokenError extends Error {
  override readonly name = 'AuditTrailBrokenError';
}

function trailBroken(detail: string): AuditTrailBrokenError {
  return new AuditTrailBrokenError(
    `playbook audit-verification-failed: ${detail} The trail is left as it is: keep it for investigation and set a new BOT_AUDIT_PATH to trade again.`,
  );
}

/** The audit trail (and the state file beside it) cannot be created or written where it is configured. */
export class AuditPathError extends Error {
  override readonly name = 'AuditPathError';
}

/** File-system refusals that mean "not here": the path is wrong or not writable, not a passing failure. */
const PATH_ERRORS = new Set(['EEXIST', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'ENOENT']);

/**
 * Opening the trail failed because of where it is: names the configured path and what is in its way (a
 * regular file where a directory must be, missing permission…). Undefined for any other failure.
 */
function unwritableTrail(auditPath: string, error: unknown): AuditPathError | undefined {
  const failure = (error as { code?: unknown; cause?: { code?: unknown } } | undefined) ?? {};
  const code = typeof failure.code === 'string' ? failure.code : failure.cause?.code;
  if (typeof code !== 'string' || !PATH_ERRORS.has(code)) return undefined;
  let why: string;
  const blocking = fileInTheWay(auditPath);
  if (blocking !== undefined) why = `${blocking} is a file, not a directory`;
  else if (code === 'EACCES' || code === 'EPERM') why = 'permission denied';
  else if (code === 'EROFS') why = 'the file system is read-only';
  else why = (error as Error).message;
  return new AuditPathError(
    `cannot write the audit trail ${auditPath}: ${why}. Set BOT_AUDIT_PATH (compliance.auditPath) to a file in a directory the bot may write; the state file goes beside it.`,
  );
}

/** The nearest ancestor directory of `path` that exists as a regular file, if any. */
function fileInTheWay(path: string): string | undefined {
  for (let directory = dirname(path); directory !== dirname(directory); directory = dirname(directory)) {
    const stats = statSync(directory, { throwIfNoEntry: false });
    if (stats) return stats.isDirectory() ? undefined : directory;
  }
  return undefined;
}

export class ReplayNameError extends Error {
  override readonly name = 'ReplayNameError';
}
