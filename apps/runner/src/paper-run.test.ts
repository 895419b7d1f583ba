import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAudit } from '@bot/audit';
import { loadConfig } from '@bot/config';
import { describe, expect, it } from 'vitest';
import { runPaper } from './paper-run';

describe('paper run', () => {
  it('trades on the emulator with protected entries and leaves a verifying audit trail with rationales', async () => {
    const auditPath = join(mkdtempSync(join(tmpdir(), 'bot-paper-')), 'audit.jsonl');
    const config = loadConfig({ env: { BOT_AUDIT_PATH: auditPath } });
    const lines: string[] = [];
    const summary = await runPaper({
      config,
      seed: 42,
      speed: 240,
      durationMs: 20_000,
      log: (line) => lines.push(line),
    });
    expect(summary.entries).toBeGreaterThan(0);
    expect(
      lines
        .filter((line) => line.startsWith('entry '))
        .every((line) => line.includes(': protected — breakout')),
    ).toBe(true);
    expect(lines.some((line) => line.startsWith('error'))).toBe(false);
    const verdict = await verifyAudit(auditPath);
    expect(verdict.ok).toBe(true);
  }, 60_000);
});
