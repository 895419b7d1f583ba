// The emulator in a worker thread, so the runner's heap (main thread) is measured apart from the emulator's.
// workerData `{ symbols }` lists USDC contracts to trade beyond the default five (cloned specs, new names).
// Messages: 'close'; 'requests' answers with the REST requests counted since the last 'requests' (count
// and weight, orders apart), from the emulator's own request records (the weight Binance would charge).
import { parentPort, workerData } from 'node:worker_threads';
import { defaultContracts, startSim } from '@bot/sim';
import type { ListedContract, RequestRecord } from '@bot/sim';

const extra = ((workerData as { extraUsdc?: readonly string[] } | undefined)?.extraUsdc ?? []).map(
  (base, index): ListedContract => {
    const template = defaultContracts().filter((contract) => contract.instrument.quoteAsset === 'USDC')[
      index % 5
    ] as ListedContract;
    return { ...template, instrument: { ...template.instrument, symbol: `${base}USDC`, baseAsset: base } };
  },
);
const counts = { requests: 0, weight: 0, orders: 0, orderWeight: 0, byPath: {} as Record<string, number> };
const isOrder = (record: RequestRecord) =>
  record.method !== 'GET' &&
  /\/fapi\/v1\/(order|algoOrder|batchOrders|allOpenOrders|algoOpenOrders)$/.test(record.path);
const sim = await startSim({
  seed: 42,
  speed: 'manual',
  historyMinutes: 300,
  // A day of market plays in seconds of wall clock: Binance's limit per wall-clock minute would refuse what
  // it allows per market minute (the weight rows count what was charged, per market hour).
  weightLimitPerMinute: 1_000_000_000,
  ...(extra.length > 0 ? { contracts: [...defaultContracts(), ...extra] } : {}),
  onRequest: (record) => {
    if (!record.path.startsWith('/fapi/')) return;
    if (isOrder(record)) {
      counts.orders += 1;
      counts.orderWeight += record.weight;
    } else {
      counts.requests += 1;
      counts.weight += record.weight;
    }
    const key = `${record.method} ${record.path}`;
    counts.byPath[key] = (counts.byPath[key] ?? 0) + 1;
  },
});
const [account] = sim.accounts;
parentPort?.postMessage({ url: sim.url, apiKey: account?.apiKey, apiSecret: account?.apiSecret });
parentPort?.on('message', (message: string) => {
  if (message === 'close') void sim.close().then(() => process.exit(0));
  if (message === 'requests') {
    parentPort?.postMessage({ ...counts, byPath: { ...counts.byPath } });
    counts.requests = counts.weight = counts.orders = counts.orderWeight = 0;
    counts.byPath = {};
  }
});
