import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BotStateStore } from './bot-state';
import type { BotState } from './bot-state';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const state: BotState = { guard: undefined, trades: [] };

/** Counts the fsyncs of node's file handles (their class is not exported: reached through an open handle). */
async function countSyncs(dir: string): Promise<{ readonly calls: () => number }> {
  const handle = await open(join(dir, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(handle) as {
    datasync: () => Promise<void>;
    sync: () => Promise<void>;
  };
  await handle.close();
  const datasync = vi.spyOn(prototype, 'datasync');
  const sync = vi.spyOn(prototype, 'sync');
  return { calls: () => datasync.mock.calls.length + sync.mock.calls.length };
}

describe('BotStateStore', () => {
  it('fsyncs the file and its directory on every save, unless made for a scratch run (synced: false)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot-state-'));
    dirs.push(dir);
    const syncs = await countSyncs(dir);
    const durable = new BotStateStore(join(dir, 'durable.state.json'));
    await durable.saveAsync(state);
    expect(syncs.calls()).toBe(2); // the file, then the directory holding the rename

    const scratch = new BotStateStore(join(dir, 'scratch.state.json'), { synced: false });
    await scratch.saveAsync({ ...state, trades: [] });
    expect(syncs.calls()).toBe(2);
    expect(scratch.load()).toEqual(state);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('writes a scratch store (synced: false) at once, in place, each state whole: a shorter one leaves nothing of the longer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot-state-'));
    dirs.push(dir);
    const scratch = new BotStateStore(join(dir, 'nested', 'scratch.state.json'), { synced: false });
    const longer: BotState = { guard: undefined, trades: [], trailSeq: 123_456_789 };
    // Done when it returns: no write left running for the next save to wait on.
    void scratch.saveAsync(longer);
    expect(scratch.load()).toEqual(longer);
    void scratch.saveAsync({ ...state, trailSeq: 1 });
    expect(scratch.load()).toEqual({ ...state, trailSeq: 1 });
    scratch.save(state);
    expect(scratch.load()).toEqual(state);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['scratch.state.json']);
  });

  it('rejects a scratch save that cannot be written, and writes the next one once it can', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot-state-'));
    dirs.push(dir);
    const scratch = new BotStateStore(join(dir, 'scratch.state.json'), { synced: false });
    await scratch.saveAsync(state);
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, 'a file where the directory was');
    await expect(scratch.saveAsync(state)).rejects.toThrow(/ENOTDIR|EEXIST/);
    rmSync(dir);
    await scratch.saveAsync({ ...state, trailSeq: 7 });
    expect(scratch.load()).toEqual({ ...state, trailSeq: 7 });
  });
});
