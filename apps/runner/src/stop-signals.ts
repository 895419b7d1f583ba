/**
 * How long after the first stop signal a repeat counts as the same one (ms). A terminal's Ctrl-C reaches
 * every process of the foreground group, and a wrapper in that group (pnpm, npm, a supervisor script)
 * passes its copy on to the bot as well: one press can arrive two or three times within milliseconds.
 */
export const SAME_PRESS_MS = 1_000;

export interface StopSignalHandlers {
  /** The first signal: stop opening, drain, close cleanly. */
  readonly stop: (signal: NodeJS.Signals) => void;
  /** A later signal (after `SAME_PRESS_MS`): exit at once. */
  readonly exitNow: (signal: NodeJS.Signals) => void;
  /** The clock (tests). */
  readonly now?: () => number;
}

/**
 * The SIGINT/SIGTERM policy of `bot run` and `bot sim`: the first signal stops cleanly, a second one — a
 * second Ctrl-C, not the wrapper's copy of the first — exits at once. Returns the listener to install.
 */
export function stopSignalListener(handlers: StopSignalHandlers): (signal: NodeJS.Signals) => void {
  const now = handlers.now ?? Date.now;
  let firstAt: number | undefined;
  return (signal) => {
    if (firstAt === undefined) {
      firstAt = now();
      handlers.stop(signal);
    } else if (now() - firstAt >= SAME_PRESS_MS) {
      handlers.exitNow(signal);
    }
  };
}

/** The exit code of a process ended by `signal`, as a shell reports it: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}
