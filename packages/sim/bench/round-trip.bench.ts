import { request } from 'node:http';
import { Agent } from 'node:http';
import { percentile } from '../../../scripts/bench-report';
import type { BenchRowInput } from '../../../scripts/bench-report';
import { restClient } from '../test/ccxt-client';
import { startSim } from '../src/sim';

/**
 * The HTTP round trip of a signed order through the unmodified ccxt client against the emulator, p50/p99,
 * with a baseline measured in the same run: a bare keep-alive GET /fapi/v1/ping with node:http, which is
 * the floor any request to this server pays. Target (issue): ccxt order round trip p99 < 5 ms.
 */
function summary(samples: number[]): { p50: number; p99: number } {
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

/** Returns the lines to print, and pushes its headline results to `rows` (sim.bench.ts writes them). */
export async function benchRoundTrip(orders = 1000, rows: BenchRowInput[] = []): Promise<string[]> {
  const sim = await startSim({ speed: 'manual', historyMinutes: 5 });
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ping = () =>
      new Promise<void>((resolve, reject) => {
        const outgoing = request(`${sim.url}/fapi/v1/ping`, { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve());
        });
        outgoing.on('error', reject);
        outgoing.end();
      });
    const exchange = restClient(sim);
    await exchange.loadMarkets();
    sim.setMarketPrice('BTCUSDC', '60000.0');

    // Warm up both paths (JIT, sockets) before measuring.
    for (let index = 0; index < 100; index += 1) await ping();
    for (let index = 0; index < 50; index += 1) {
      const order = await exchange.createOrder('BTC/USDC:USDC', 'limit', 'buy', 0.001, 55000);
      await exchange.cancelOrder(order.id!, 'BTC/USDC:USDC');
    }

    const pingSamples: number[] = [];
    const orderSamples: number[] = [];
    for (let index = 0; index < orders; index += 1) {
      let start = performance.now();
      await ping();
      pingSamples.push(performance.now() - start);
      start = performance.now();
      const order = await exchange.createOrder('BTC/USDC:USDC', 'limit', 'buy', 0.001, 55000);
      orderSamples.push(performance.now() - start);
      await exchange.cancelOrder(order.id!, 'BTC/USDC:USDC');
    }
    agent.destroy();
    const baseline = summary(pingSamples);
    const order = summary(orderSamples);
    const pingName = 'bare keep-alive GET /fapi/v1/ping';
    rows.push(
      {
        name: 'ccxt createOrder round trip p50',
        value: order.p50,
        unit: 'ms',
        baseline: { name: pingName, value: baseline.p50 },
      },
      {
        name: 'ccxt createOrder round trip p99',
        value: order.p99,
        unit: 'ms',
        baseline: { name: pingName, value: baseline.p99 },
        target: { op: '<=', value: 5 },
      },
    );
    return [
      `ccxt createOrder round trip (${orders} signed limit orders): p50 ${order.p50.toFixed(3)} ms, p99 ${order.p99.toFixed(3)} ms (target p99 < 5 ms)`,
      `baseline: bare keep-alive GET /fapi/v1/ping:               p50 ${baseline.p50.toFixed(3)} ms, p99 ${baseline.p99.toFixed(3)} ms`,
      `ratio order/baseline: p50 ${(order.p50 / baseline.p50).toFixed(2)}×, p99 ${(order.p99 / baseline.p99).toFixed(2)}×`,
    ];
  } finally {
    await sim.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchRoundTrip()) console.log(line);
}
