/**
 * Adapter overhead benchmark: the adapter's `createOrder` (local checks and rounding, client id, executor,
 * wire trace, zod parsing, logging hook) next to a bare ccxt `createOrder` of the same resting limit order,
 * both against the emulator started in this process, interleaved in the same run. Each order is canceled
 * untimed. Prints p50/p99 of each and the ratio adapter/bare (target ≤ 1.2×); asserts nothing about time.
 * Run with `pnpm bench`.
 */
import { startSim } from '@bot/sim';
import { percentile, writeBenchResults } from '../../../scripts/bench-report';
import { CcxtExchange, createExchangeClient } from '../src/index';
import type { ExchangeClient } from '../src/index';

const SYMBOL = 'BTC/USDC:USDC';
const warmUpOrders = 100;
const measuredOrders = 600;

const sim = await startSim({ speed: 'manual', historyMinutes: 5 });
sim.setMarketPrice('BTCUSDC', '60000.0');
const [account] = sim.accounts;
const clientOptions = {
  mode: 'paper' as const,
  simUrl: sim.url,
  apiKey: account?.apiKey,
  apiSecret: account?.apiSecret,
  enableRateLimit: false,
};
// Two clients configured identically by the same factory: one used bare, one inside the adapter.
const bare: ExchangeClient = await createExchangeClient(clientOptions);
const adapterClient: ExchangeClient = await createExchangeClient(clientOptions);
const adapter = new CcxtExchange({ client: adapterClient, log: () => {} });
await adapter.instruments();

async function bareOrder(): Promise<number> {
  const start = performance.now();
  const order = await bare.createOrder(SYMBOL, 'limit', 'buy', 0.002, 50_000);
  const elapsed = performance.now() - start;
  await bare.cancelOrder(order.id as string, SYMBOL);
  return elapsed;
}

async function adapterOrder(): Promise<number> {
  const start = performance.now();
  const { order } = await adapter.createOrder({
    symbol: SYMBOL,
    side: 'buy',
    type: 'limit',
    quantity: '0.002',
    price: '50000',
  });
  const elapsed = performance.now() - start;
  await adapterClient.cancelOrder(order.id, SYMBOL);
  return elapsed;
}

for (let index = 0; index < warmUpOrders; index += 1) {
  await bareOrder();
  await adapterOrder();
}
const bareTimes: number[] = [];
const adapterTimes: number[] = [];
for (let index = 0; index < measuredOrders; index += 1) {
  // Alternate which goes first so neither is favoured by what ran just before.
  if (index % 2 === 0) {
    bareTimes.push(await bareOrder());
    adapterTimes.push(await adapterOrder());
  } else {
    adapterTimes.push(await adapterOrder());
    bareTimes.push(await bareOrder());
  }
}
const refused = sim.requests.filter((request) => request.status !== 200).length;
await sim.close();

const format = (ms: number) => `${ms.toFixed(3)} ms`;
const bareP50 = percentile(bareTimes, 0.5);
const bareP99 = percentile(bareTimes, 0.99);
const adapterP50 = percentile(adapterTimes, 0.5);
const adapterP99 = percentile(adapterTimes, 0.99);
console.log(
  `@bot/exchange createOrder benchmark: ${measuredOrders} resting limit orders each, against @bot/sim`,
);
console.log(`  bare ccxt createOrder   p50 ${format(bareP50)}   p99 ${format(bareP99)}`);
console.log(`  adapter createOrder     p50 ${format(adapterP50)}   p99 ${format(adapterP99)}`);
console.log(
  `  ratio adapter/bare      p50 ${(adapterP50 / bareP50).toFixed(2)}×   p99 ${(adapterP99 / bareP99).toFixed(2)}×   (target ≤ 1.2×)`,
);
console.log(`  adapter overhead per order (p50): ${((adapterP50 - bareP50) * 1000).toFixed(0)} µs`);
// Each adapter order next to the bare order run right beside it: less sensitive to load drifting mid-run.
const pairedRatios = adapterTimes.map((time, index) => time / (bareTimes[index] ?? time));
console.log(`  median of paired ratios: ${percentile(pairedRatios, 0.5).toFixed(2)}×`);
if (refused > 0)
  console.log(`  note: the emulator refused ${refused} requests (rate limit?); timings include retries`);
writeBenchResults(import.meta.url, [
  {
    name: 'adapter createOrder p50',
    value: adapterP50,
    unit: 'ms',
    baseline: { name: 'bare ccxt createOrder', value: bareP50 },
    target: { op: '<=', value: 1.2, of: 'ratio' },
  },
  {
    name: 'adapter createOrder p99',
    value: adapterP99,
    unit: 'ms',
    baseline: { name: 'bare ccxt createOrder', value: bareP99 },
  },
]);
