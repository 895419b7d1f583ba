import { describe, expect, it } from 'vitest';
import { SAME_PRESS_MS, signalExitCode, stopSignalListener } from './stop-signals';

function listener() {
  let clock = 0;
  const calls: string[] = [];
  const listen = stopSignalListener({
    stop: (signal) => calls.push(`stop ${signal}`),
    exitNow: (signal) => calls.push(`exit ${signal}`),
    now: () => clock,
  });
  return { listen, calls, advance: (ms: number) => (clock += ms) };
}

describe('stopSignalListener', () => {
  it('one Ctrl-C delivered by the terminal and again by pnpm stops once, and does not exit', () => {
    const { listen, calls, advance } = listener();
    listen('SIGINT');
    advance(3);
    listen('SIGINT'); // pnpm's copy
    advance(5);
    listen('SIGTERM'); // pnpm's second handler
    expect(calls).toEqual(['stop SIGINT']);
  });

  it('a second Ctrl-C after the first exits at once', () => {
    const { listen, calls, advance } = listener();
    listen('SIGINT');
    advance(SAME_PRESS_MS);
    listen('SIGINT');
    expect(calls).toEqual(['stop SIGINT', 'exit SIGINT']);
  });

  it('exit codes as a shell reports them', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });
});
