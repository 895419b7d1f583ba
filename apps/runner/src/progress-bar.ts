/** What the long commands (`bot backtest`, `bot data download`) draw on a terminal, drawn one way. */

/** `done` (0…1) as `width` cells: █ done, · to go. */
export function barCells(done: number, width = 24): string {
  const clamped = Math.min(1, Math.max(0, done));
  return '█'.repeat(Math.round(clamped * width)).padEnd(width, '·');
}

/** `90` → `1 min 30 s`: whole seconds, then minutes, then hours as it grows. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}
