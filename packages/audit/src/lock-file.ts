import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { AuditLockedError } from './audit-error';
import type { AuditLockHolder } from './audit-error';

interface LockContent extends AuditLockHolder {
  readonly nonce: string;
}

/**
 * Whether a file next to the trail is debris of an earlier lock attempt: a temporary lock file whose
 * process is gone, or a stale lock moved aside during a takeover. Only called while holding the lock.
 */
export function isLockLeftover(lockName: string, name: string): boolean {
  if (!name.startsWith(`${lockName}.`)) return false;
  const rest = name.slice(lockName.length + 1);
  if (/^stale-[0-9a-f]{24}$/.test(rest)) return true;
  const match = /^(\d+)\.[0-9a-f]{24}\.tmp$/.exec(rest);
  if (match === null) return false;
  const pid = Number(match[1]);
  return pid !== process.pid && !isProcessAlive(pid);
}

/** A lock this process holds. */
export interface HeldLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Never throws. */
  release(): Promise<void>;
}

/** Nonces of the locks this process holds: a lock file naming our pid but not one of these is stale. */
const heldNonces = new Set<string>();

const maxAttempts = 5;

function parseLock(text: string): LockContent | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockContent>;
    if (
      typeof value.pid === 'number' &&
      typeof value.host === 'string' &&
      typeof value.since === 'string' &&
      typeof value.nonce === 'string'
    ) {
      return { pid: value.pid, host: value.host, since: value.since, nonce: value.nonce };
    }
  } catch {
    // not a lock we wrote
  }
  return undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a lock's holder is certainly gone: same host, and its pid is dead or is us without holding it. */
function isStale(lock: LockContent): boolean {
  if (lock.host !== hostname()) return false;
  if (lock.pid === process.pid) return !heldNonces.has(lock.nonce);
  return !isProcessAlive(lock.pid);
}

async function readLock(path: string): Promise<LockContent | undefined | 'missing'> {
  try {
    return parseLock(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch {
    // already gone
  }
}

/**
 * Takes the lock file at `path`: written in full to a temporary file, then hard-linked into place
 * (atomic, and it fails if the lock exists), so a lock file is never seen half-written. A lock whose
 * holder is certainly gone (same host, dead pid) is taken over; any other holder is an
 * {@link AuditLockedError}.
 */
export async function acquireLock(path: string): Promise<HeldLock> {
  const nonce = randomBytes(12).toString('hex');
  const content: LockContent = { pid: process.pid, host: hostname(), since: new Date().toISOString(), nonce };
  const temporary = `${path}.${process.pid}.${nonce}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(content)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    for (let attempt = 1; attempt <= maxAttempts * 2; attempt++) {
      try {
        await link(temporary, path);
        heldNonces.add(nonce);
        return {
          path,
          release: async () => {
            heldNonces.delete(nonce);
            const current = await readLock(path).catch(() => undefined);
            if (typeof current === 'object' && current.nonce === nonce) await removeQuietly(path);
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readLock(path);
      if (holder === 'missing') continue;
      if (holder === undefined) {
        throw new AuditLockedError(
          path,
          undefined,
          'The lock file is not one this package wrote; remove it by hand.',
        );
      }
      if (!isStale(holder) || attempt >= maxAttempts) {
        throw new AuditLockedError(
          path,
          holder,
          holder.host === hostname()
            ? 'One writer per trail. If that process is not an audit writer (its pid was reused), delete the lock file.'
            : 'One writer per trail. It was taken on another host; delete the lock file only if no writer runs there.',
        );
      }
      // Take over the stale lock: move it aside (atomic), and check we moved the stale one.
      const aside = `${path}.stale-${nonce}`;
      try {
        await rename(path, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const moved = await readLock(aside);
      if (typeof moved === 'object' && moved.nonce !== holder.nonce) {
        // Another process took the stale lock between our read and our rename: give it back.
        await link(aside, path).catch(() => undefined);
        await removeQuietly(aside);
        throw new AuditLockedError(path, moved, 'Another writer took the lock at the same moment.');
      }
      await removeQuietly(aside);
    }
    throw new AuditLockedError(path, undefined, 'The lock kept changing hands; try again.');
  } finally {
    await removeQuietly(temporary);
  }
}
