import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../test/virtual-clock';
import type { WsError } from './errors';
import type { HealthTransition } from './feed-health';
import { FeedSupervisor } from './feed-supervisor';
import type { PollOutcome, PollReason } from './feed-supervisor';

function setup(options: { poll?: boolean; weight?: number; complete?: () => boolean } = {}) {
  const clock = new VirtualClock(0);
  const transitions: HealthTransition[] = [];
  const polls: { reason: PollReason; at: number }[] = [];
  const errors: WsError[] = [];
  const supervisor = new FeedSupervisor({
    feed: 'market',
    clock,
    degradeAfterMs: 5_000,
    recoverAfterMs: 30_000,
    pollIntervalMs: 2_000,
    maxPollWeightPerMinute: 300,
    poll:
      options.poll === false
        ? undefined
        : (reason): Promise<PollOutcome> => {
            polls.push({ reason, at: clock.now() });
            return Promise.resolve({ weight: options.weight ?? 1, complete: options.complete?.() ?? true });
          },
    onTransition: (transition) => transitions.push(transition),
    onError: (error) => errors.push(error),
  });
  const path = () => transitions.map((transition) => `${transition.to}:${transition.cause}`);
  /** Advances in 100 ms steps, letting the poll promises settle in between. */
  const advance = async (ms: number) => {
    for (let step = 0; step < ms; step += 100) {
      clock.advance(100);
      await Promise.resolve();
      await Promise.resolve();
    }
  };
  return { clock, supervisor, transitions, polls, errors, path, advance };
}

const down = (since: number, cause: 'closed' | 'stale' = 'closed') => ({
  cause,
  reason: `socket ${cause}`,
  since,
});

describe('FeedSupervisor', () => {
  it('goes live on the first connection, and degrades if none comes within the threshold', async () => {
    const first = setup();
    first.supervisor.start();
    first.supervisor.up();
    expect(first.path()).toEqual(['live:connected']);

    const never = setup();
    never.supervisor.start();
    await never.advance(5_000);
    expect(never.path()).toEqual(['degraded:connect-failed']);
    expect(never.polls[0]?.reason).toBe('degraded');
  });

  it('rides out a blip shorter than degradeAfterMs, then fills the gap with one poll', async () => {
    const { supervisor, path, polls, advance, clock } = setup();
    supervisor.start();
    supervisor.up();
    await advance(10_000);
    supervisor.down(down(clock.now()));
    await advance(4_000);
    supervisor.up();
    await advance(10_000);
    expect(path()).toEqual(['live:connected']);
    expect(polls.map((poll) => poll.reason)).toEqual(['gap-fill']);
  });

  it('cycles live → degraded → recovering → live with reasons and thresholds', async () => {
    const { supervisor, transitions, path, polls, advance, clock } = setup();
    supervisor.start();
    supervisor.up();
    supervisor.down(down(clock.now()));
    await advance(4_900);
    expect(supervisor.state).toBe('live');
    await advance(200);
    expect(supervisor.state).toBe('degraded');
    expect(transitions[1]).toMatchObject({ from: 'live', to: 'degraded', cause: 'closed', downSince: 0 });
    expect(transitions[1]?.reason).toMatch(/socket closed; down for 5000 ms \(threshold 5000 ms\)/);
    await advance(10_000);
    expect(polls.length).toBeGreaterThanOrEqual(5);
    supervisor.up();
    expect(supervisor.state).toBe('recovering');
    await advance(29_900);
    expect(supervisor.state).toBe('recovering');
    await advance(200);
    expect(path()).toEqual(['live:connected', 'degraded:closed', 'recovering:reconnected', 'live:recovered']);
    const pollsAtLive = polls.length;
    await advance(10_000);
    expect(polls.length).toBe(pollsAtLive);
  });

  it('degrades at once when a stale stream has been silent past the threshold already', () => {
    const { supervisor, path, clock } = setup();
    supervisor.start();
    supervisor.up();
    clock.advance(20_000);
    supervisor.down(down(clock.now() - 6_000, 'stale'));
    expect(path()).toEqual(['live:connected', 'degraded:stale']);
  });

  it('falls back from recovering to degraded when the socket fails again', async () => {
    const { supervisor, path, advance, clock } = setup();
    supervisor.start();
    supervisor.up();
    supervisor.down(down(clock.now()));
    await advance(6_000);
    supervisor.up();
    await advance(1_000);
    supervisor.down(down(clock.now()));
    expect(path()).toEqual([
      'live:connected',
      'degraded:closed',
      'recovering:reconnected',
      'degraded:closed',
    ]);
  });

  it('stays recovering until a poll that started after the reconnect succeeds', async () => {
    let complete = false;
    const { supervisor, advance, clock } = setup({ complete: () => complete });
    supervisor.start();
    supervisor.up();
    supervisor.down(down(clock.now()));
    await advance(6_000);
    supervisor.up();
    await advance(60_000);
    expect(supervisor.state).toBe('recovering');
    complete = true;
    await advance(3_000);
    expect(supervisor.state).toBe('live');
  });

  it('spaces polls to stay inside the weight budget', async () => {
    const { supervisor, polls, advance } = setup({ weight: 25 });
    supervisor.start();
    await advance(5_000 + 60_000);
    // 25 weight per poll at 300 per minute: one poll every 5 s.
    const gaps = polls.slice(1).map((poll, index) => poll.at - (polls[index]?.at ?? 0));
    expect(gaps.every((gap) => gap >= 5_000)).toBe(true);
    expect(polls.length).toBeLessThanOrEqual(13);
  });

  it('without a poller, recovers on socket health alone and reports stopped on close', async () => {
    const { supervisor, path, advance, clock } = setup({ poll: false });
    supervisor.start();
    supervisor.up();
    supervisor.down(down(clock.now()));
    await advance(6_000);
    supervisor.up();
    await advance(30_000);
    supervisor.stop();
    expect(path()).toEqual([
      'live:connected',
      'degraded:closed',
      'recovering:reconnected',
      'live:recovered',
      'stopped:stopped',
    ]);
  });
});
