/** Milliseconds in a UTC day (UTC has no daylight saving; leap seconds do not exist in epoch time). */
export const DAY_MILLISECONDS = 86_400_000;

/** The UTC day number of an epoch-milliseconds time: days since 1970-01-01. */
export function utcDayOf(time: number): number {
  return Math.floor(time / DAY_MILLISECONDS);
}

/** A UTC day number as `'YYYY-MM-DD'`. */
export function utcDayText(day: number): string {
  return new Date(day * DAY_MILLISECONDS).toISOString().slice(0, 10);
}

const dayPattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `'YYYY-MM-DD'` back to a UTC day number, or `undefined` when it is not a real calendar date. */
export function parseUtcDay(text: string): number | undefined {
  const match = dayPattern.exec(text);
  if (match === null) return undefined;
  const time = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (!Number.isFinite(time)) return undefined;
  const day = utcDayOf(time);
  return utcDayText(day) === text ? day : undefined;
}
