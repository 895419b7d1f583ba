// The emulator in a worker thread, so the runner's heap (main thread) is measured apart from the emulator's.
import { parentPort } from 'node:worker_threads';
import { startSim } from '@bot/sim';

const sim = await startSim({ seed: 42, speed: 'manual', historyMinutes: 300 });
const [account] = sim.accounts;
parentPort?.postMessage({ url: sim.url, apiKey: account?.apiKey, apiSecret: account?.apiSecret });
parentPort?.on('message', (message: string) => {
  if (message === 'close') void sim.close().then(() => process.exit(0));
});
