import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';

/** How many digits a segment number has at least (`trail.000001.jsonl`), so names sort in chain order. */
export const SEGMENT_DIGITS = 6;

/** A trail's naming: the base path and its parts. */
export interface TrailNaming {
  /** Absolute path of the trail (segment 0). */
  readonly base: string;
  readonly directory: string;
  /** File name without its extension, e.g. `trail` for `trail.jsonl`. */
  readonly stem: string;
  /** The extension with its dot, e.g. `.jsonl`, or `''`. */
  readonly extension: string;
}

/** One segment file of a trail. */
export interface SegmentFile {
  readonly index: number;
  readonly path: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits a trail path into its naming parts. */
export function trailNaming(path: string): TrailNaming {
  const base = resolve(path);
  const extension = extname(base);
  return {
    base,
    directory: dirname(base),
    stem: basename(base, extension),
    extension,
  };
}

/** The path of segment `index`: the trail path itself for 0, `<stem>.<index, 6+ digits><extension>` after. */
export function segmentPath(naming: TrailNaming, index: number): string {
  if (index === 0) return naming.base;
  return join(
    naming.directory,
    `${naming.stem}.${String(index).padStart(SEGMENT_DIGITS, '0')}${naming.extension}`,
  );
}

/** Matches the file names of a trail's numbered segments (not segment 0), capturing the number. */
export function segmentNamePattern(naming: TrailNaming): RegExp {
  return new RegExp(
    `^${escapeRegExp(naming.stem)}\\.(\\d{${SEGMENT_DIGITS},})${escapeRegExp(naming.extension)}$`,
  );
}

const numberedFile = new RegExp(`^(.+)\\.(\\d{${SEGMENT_DIGITS},})(\\.[^.]*)?$`);

/**
 * The trail a file belongs to: `logs/trail.000003.jsonl` → `logs/trail.jsonl`; any other name is its
 * own trail. Absolute.
 */
export function trailPathOf(file: string): string {
  const absolute = resolve(file);
  const match = numberedFile.exec(basename(absolute));
  if (match === null) return absolute;
  return join(dirname(absolute), `${match[1] as string}${match[3] ?? ''}`);
}

/** The segment files of a trail that exist, by ascending index (segment 0 first when it exists). */
export async function listSegments(naming: TrailNaming): Promise<SegmentFile[]> {
  let names: string[];
  try {
    names = await readdir(naming.directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const pattern = segmentNamePattern(naming);
  const baseName = basename(naming.base);
  const segments: SegmentFile[] = [];
  for (const name of names) {
    if (name === baseName) {
      segments.push({ index: 0, path: naming.base });
      continue;
    }
    const match = pattern.exec(name);
    if (match !== null) {
      const index = Number(match[1]);
      if (Number.isSafeInteger(index) && index > 0)
        segments.push({ index, path: join(naming.directory, name) });
    }
  }
  return segments.sort((left, right) => left.index - right.index);
}

/**
 * The files of a trail in chain order: the trail path itself (segment 0) when it exists, then its
 * rotated segments `<stem>.000001<ext>`, `<stem>.000002<ext>`, … found next to it.
 */
export async function listAuditSegments(path: string): Promise<string[]> {
  return (await listSegments(trailNaming(path))).map((segment) => segment.path);
}
