import { writevSync } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Writes all of `bytes` at the handle's position (`position` null: append for handles opened with `a`). */
export async function writeAll(
  handle: FileHandle,
  bytes: Uint8Array,
  position: number | null = null,
): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(
      bytes,
      written,
      bytes.length - written,
      position === null ? null : position + written,
    );
    written += bytesWritten;
  }
}

/** What a short write left: the slices from where it stopped. */
function afterShortWrite(slices: readonly Buffer[], bytesWritten: number): Buffer[] {
  let skipped = bytesWritten;
  const rest: Buffer[] = [];
  for (const slice of slices) {
    if (skipped >= slice.length) {
      skipped -= slice.length;
      continue;
    }
    rest.push(skipped > 0 ? slice.subarray(skipped) : slice);
    skipped = 0;
  }
  return rest;
}

/**
 * Appends all slices, in order, with as few `writev` calls as the OS allows, on the calling thread: a write to
 * the page cache takes microseconds, while a trip through libuv's thread pool waited for the event loop twice
 * (a backtest idled on it; a live entry's record reached the disk milliseconds later). The fsync that makes the
 * group durable still runs in the thread pool.
 */
export function writeAllSlicesSync(fd: number, slices: readonly Buffer[]): void {
  let remaining = slices;
  while (remaining.length > 0) {
    const total = remaining.reduce((sum, slice) => sum + slice.length, 0);
    const bytesWritten = writevSync(fd, remaining as Buffer[]);
    if (bytesWritten === total) return;
    remaining = afterShortWrite(remaining, bytesWritten);
  }
}

/** fsyncs a directory so a created, renamed or linked entry survives a power cut. Best effort where unsupported. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory.
  } finally {
    await handle?.close();
  }
}

/**
 * Creates a file with its full content atomically: written and fsynced under `<path>.tmp`, then
 * hard-linked to `path` (which fails if `path` exists, so nothing is ever overwritten), then the
 * directory is fsynced. A crash leaves either no file or the whole file (plus a stale `.tmp`).
 */
export async function createFileAtomically(
  path: string,
  content: Uint8Array,
  directory: string,
): Promise<void> {
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await writeAll(handle, content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await link(temporary, path);
  await unlink(temporary);
  await syncDirectory(directory);
}

/** Like {@link createFileAtomically}, but replaces an existing file (used for side files). */
export async function replaceFileAtomically(
  path: string,
  content: Uint8Array,
  directory: string,
): Promise<void> {
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await writeAll(handle, content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await syncDirectory(directory);
}

/** Deletes a file, ignoring one that is already gone. */
export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
