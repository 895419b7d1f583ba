/**
 * The crash test's child. It loads, prints `ready`, and waits for `go` on stdin (so the parent can
 * start children ahead of time); then it opens the trail (recovering from the previous kill) and
 * appends as fast as it can, printing `ack <seq> <hash>` for each acknowledged record, until the
 * parent SIGKILLs it. Usage: crash-writer <path> <always|batch> <maxSegmentBytes|0>
 */
import { openAuditTrail } from '../src/index';
import type { AppendReceipt, Durability } from '../src/index';

const [path, durability, maxBytes] = process.argv.slice(2);
if (path === undefined || (durability !== 'always' && durability !== 'batch')) {
  process.stderr.write('usage: crash-writer <path> <always|batch> <maxSegmentBytes|0>\n');
  process.exit(2);
}
const segmentBytes = Number(maxBytes ?? 0);

process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));

const trail = await openAuditTrail({
  path,
  durability: durability as Durability,
  batch: { maxDelayMs: 2, maxRecords: 256 },
  ...(segmentBytes > 0 ? { rotation: { maxBytes: segmentBytes } } : {}),
});
process.stdout.write(`open ${trail.nextSeq} ${trail.recoveries.length}\n`);

const maxInFlight = 256;
let inFlight = 0;
let wake: (() => void) | undefined;
const acknowledge = (receipt: AppendReceipt) => {
  // Synchronous on a pipe (Linux): once written, the parent sees it even if we are killed next.
  process.stdout.write(`ack ${receipt.seq} ${receipt.hash}\n`);
  inFlight -= 1;
  wake?.();
};
for (let index = 0; ; index++) {
  // Records of a few hundred bytes to 64 KiB, so that writes span many pages and a kill can tear one.
  const padding = index % 11 === 0 ? 8192 + ((index * 7919) % 57344) : (index * 131) % 2048;
  inFlight += 1;
  trail
    .append('crash.test', { index, pid: process.pid, padding: 'x'.repeat(padding) })
    .then(acknowledge, (error) => {
      process.stderr.write(`append failed: ${String(error)}\n`);
      process.exit(3);
    });
  if (inFlight >= maxInFlight) await new Promise<void>((resolve) => (wake = resolve));
}
