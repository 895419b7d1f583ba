/**
 * Appends/s with each durability policy next to two baselines measured in the same run: the plan's
 * naive writer (re-reads the whole file for the last hash on every write, here with the file at 10k
 * records) and pino writing the same payloads without a chain; then verification records/s. Next to
 * each rate it prints the process CPU time per record (all threads), which a busy machine disturbs
 * less than wall-clock rates. Reports, never asserts.
 * Run: pnpm bench (or npx tsx --conditions=@bot/source bench/audit.bench.ts).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { writeBenchResults } from '../../../scripts/bench-report';
import { openAuditTrail, verifyAudit } from '../src/index';
import type { AppendReceipt, Durability } from '../src/index';

const directory = mkdtempSync(join(tmpdir(), 'audit-bench-'));
const inFlight = 1024;

/** A decision record as the bot writes them (about 680 bytes on disk with the envelope). */
function payload(index: number) {
  return {
    action: 'order.place',
    lens: 'Trader',
    symbol: 'BTC/USDC:USDC',
    side: index % 2 === 0 ? 'buy' : 'sell',
    size: '0.012',
    why: 'Breakout above the 20-bar high with ATR(14) expansion; stop below the range, 2R target.',
    config: { tier: 'standard', riskPerTradePct: 0.005, leverageDefault: 5, maxConcurrentPositions: 3 },
    risk: {
      equity: '10000.00',
      riskAmount: '50.00',
      dailyDrawdownPct: 0.0123,
      slStreak: 1,
      openPositions: index % 3,
    },
    prices: { entry: '61000.5', stop: '60500.0', target: '62001.5' },
    decisionId: `d-${index}`,
  };
}

interface Measurement {
  /** Records per wall-clock second. */
  readonly perSecond: number;
  /** Process CPU time (user + system, all threads) per record, in microseconds. */
  readonly cpuMicroseconds: number;
}

/** Times `run` (which handles `count` records) in wall-clock and CPU time. */
async function measure(count: number, run: () => Promise<void> | void): Promise<Measurement> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await run();
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: (count / elapsed) * 1000, cpuMicroseconds: (cpu.user + cpu.system) / count };
}

let runs = 0;

/** Appends `count` records keeping at most `window` unacknowledged (awaiting the oldest every 256). */
async function measureTrail(
  durability: Durability,
  count: number,
  window: number,
): Promise<Measurement & { path: string }> {
  runs += 1;
  const path = join(directory, `${durability}-${runs}.jsonl`);
  const trail = await openAuditTrail({ path, durability });
  const result = await measure(count, async () => {
    const receipts = new Array<Promise<AppendReceipt>>(window);
    let last: Promise<AppendReceipt> | undefined;
    for (let index = 0; index < count; index++) {
      last = trail.append('decision', payload(index));
      receipts[index % window] = last;
      if (index + 1 >= window && (index % 256 === 255 || window < 256)) await receipts[(index + 1) % window];
    }
    await last;
  });
  await trail.close();
  return { ...result, path };
}

let naivePrevious = { hash: '0'.repeat(64), seq: -1 };

/** Fills the naive file quickly (same format) so the measured writes find it at `prefill` records. */
function naiveAppendFast(path: string, index: number): void {
  const record = {
    seq: naivePrevious.seq + 1,
    ts: new Date().toISOString(),
    prevHash: naivePrevious.hash,
    data: payload(index),
  };
  const hash = createHash('sha256').update(JSON.stringify(record)).digest('hex');
  appendFileSync(path, `${JSON.stringify({ ...record, hash })}\n`);
  naivePrevious = { hash, seq: record.seq };
}

/** The plan's draft: read the whole file to find the last record's hash and seq, on every write. */
function naiveAppend(path: string, data: unknown): void {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  const last = JSON.parse(lines[lines.length - 1] as string) as { hash: string; seq: number };
  const record = { seq: last.seq + 1, ts: new Date().toISOString(), prevHash: last.hash, data };
  const hash = createHash('sha256').update(JSON.stringify(record)).digest('hex');
  appendFileSync(path, `${JSON.stringify({ ...record, hash })}\n`);
}

async function measureNaive(prefill: number, count: number): Promise<Measurement> {
  const path = join(directory, 'naive.jsonl');
  for (let index = 0; index < prefill; index++) naiveAppendFast(path, index);
  return measure(count, () => {
    for (let index = 0; index < count; index++) naiveAppend(path, payload(index));
  });
}

async function measurePino(count: number): Promise<Measurement> {
  const destination = pino.destination({ dest: join(directory, 'pino.log'), sync: false });
  await new Promise<void>((resolve) => destination.once('ready', () => resolve()));
  const logger = pino(destination);
  const result = await measure(count, async () => {
    for (let index = 0; index < count; index++) {
      logger.info(payload(index));
      if (index % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise<void>((resolve, reject) =>
      destination.flush((error) => (error ? reject(error) : resolve())),
    );
  });
  destination.end();
  return result;
}

async function measureVerify(path: string, strict: boolean): Promise<Measurement & { records: number }> {
  let records = 0;
  const count = (await verifyAudit(path)).records;
  const result = await measure(count, async () => {
    const verification = await verifyAudit(path, { strict });
    if (!verification.ok) throw new Error(`verify failed: ${verification.reason} ${verification.message}`);
    records = verification.records;
  });
  return { ...result, records };
}

function rateText(perSecond: number): string {
  return `${Math.round(perSecond).toLocaleString('en-US').padStart(11)}/s`;
}

function cpuText(microseconds: number): string {
  return `${microseconds.toFixed(2).padStart(9)} µs CPU`;
}

async function main(): Promise<void> {
  const count = 150_000;
  console.log(
    `@bot/audit benchmark — node ${process.version}, ${cpus().length} CPUs, load ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}, ${count.toLocaleString('en-US')} records of ~680 B, ≤ ${inFlight} appends in flight\n`,
  );

  await measureTrail('none', 20_000, inFlight); // warm-up
  const pinoResult = await measurePino(count);
  const none = await measureTrail('none', count, inFlight);
  const batch = await measureTrail('batch', count, inFlight);
  const always = await measureTrail('always', 50_000, inFlight);
  const alwaysSequential = await measureTrail('always', 500, 1);
  const naive = await measureNaive(10_000, 50);
  const verify = await measureVerify(none.path, false);
  const verifyStrict = await measureVerify(none.path, true);
  const fileBytes = statSync(none.path).size;

  const ratio = (value: Measurement) =>
    `${(value.perSecond / pinoResult.perSecond).toFixed(2)}× pino`.padStart(11);
  const rows: [string, Measurement, string][] = [
    ['pino (no chain, async destination)', pinoResult, ''],
    ['audit none', none, 'target ≥ 150k/s and ≥ 0.5× pino'],
    ['audit batch (5 ms / 256 records)', batch, 'target ≥ 80k/s'],
    ['audit always (group commit)', always, ''],
    ['audit always, one append at a time', alwaysSequential, 'bound by fsync latency'],
    [
      'naive re-read writer at 10k records',
      naive,
      `audit none is ${Math.round(none.perSecond / naive.perSecond)}× faster`,
    ],
  ];
  console.log('appends                                      wall-clock   vs pino   CPU per record');
  for (const [name, result, note] of rows) {
    console.log(
      `  ${name.padEnd(38)} ${rateText(result.perSecond)} ${ratio(result)} ${cpuText(result.cpuMicroseconds)}  ${note}`,
    );
  }
  console.log('\nverification');
  console.log(
    `  ${'verifyAudit (default)'.padEnd(38)} ${rateText(verify.perSecond)} ${''.padStart(11)} ${cpuText(verify.cpuMicroseconds)}  target ≥ 500k/s`,
  );
  console.log(
    `  ${'verifyAudit (strict)'.padEnd(38)} ${rateText(verifyStrict.perSecond)} ${''.padStart(11)} ${cpuText(verifyStrict.cpuMicroseconds)}`,
  );
  console.log(
    `  (${verify.records.toLocaleString('en-US')} records, ${(fileBytes / 1024 / 1024).toFixed(1)} MiB)`,
  );

  const versusPino = { name: 'pino, no chain', value: pinoResult.perSecond };
  writeBenchResults(import.meta.url, [
    {
      name: 'append, durability none',
      value: none.perSecond,
      unit: 'records/s',
      baseline: versusPino,
      target: { op: '>=', value: 150_000 },
    },
    {
      name: 'append, durability batch',
      value: batch.perSecond,
      unit: 'records/s',
      baseline: versusPino,
      target: { op: '>=', value: 80_000 },
    },
    { name: 'append, durability always', value: always.perSecond, unit: 'records/s', baseline: versusPino },
    {
      name: 'verifyAudit (default)',
      value: verify.perSecond,
      unit: 'records/s',
      target: { op: '>=', value: 500_000 },
    },
    { name: 'verifyAudit (strict)', value: verifyStrict.perSecond, unit: 'records/s' },
  ]);
}

try {
  await main();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
