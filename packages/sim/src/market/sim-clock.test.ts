import { describe, expect, it } from 'vitest';

import { ManualWallClock } from './manual-wall-clock';
import { SimClock } from './sim-clock';

const start = Date.UTC(2025, 0, 1);

describe('SimClock', () => {
  it('runs in real time by default, from the wall clock', () => {
    const wall = new ManualWallClock(start + 5);
    const clock = new SimClock({ wall });
    expect(clock.mode).toBe('realtime');
    expect(clock.speed).toBe(1);
    expect(clock.now()).toBe(start + 5);
    wall.advance(1234);
    expect(clock.now()).toBe(start + 1239);
  });

  it('runs accelerated: speed 60 is a simulated minute per wall second, from its own start time', () => {
    const wall = new ManualWallClock(1_000);
    const clock = new SimClock({ wall, speed: 60, startTime: start });
    expect(clock.mode).toBe('accelerated');
    expect(clock.now()).toBe(start);
    wall.advance(1000);
    expect(clock.now()).toBe(start + 60_000);
    wall.advance(10);
    expect(clock.now()).toBe(start + 60_600);
  });

  it('moves only when told to in manual mode, and notifies listeners', () => {
    const wall = new ManualWallClock(0);
    const clock = new SimClock({ wall, speed: 'manual', startTime: start });
    const seen: number[] = [];
    const unsubscribe = clock.onAdvance((now) => seen.push(now));
    expect(clock.mode).toBe('manual');
    wall.advance(3_600_000);
    expect(clock.now()).toBe(start);
    clock.advance(1500);
    expect(clock.now()).toBe(start + 1500);
    clock.runUntil(start + 10_000);
    expect(clock.now()).toBe(start + 10_000);
    clock.runUntil(start); // the past: no move
    expect(clock.now()).toBe(start + 10_000);
    unsubscribe();
    clock.advance(1);
    expect(seen).toEqual([start + 1500, start + 10_000, start + 10_000]);
    expect(() => clock.advance(-1)).toThrow(/advance/);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(/advance/);
  });

  it('lets a running clock skip ahead, and keeps time continuous when the speed changes', () => {
    const wall = new ManualWallClock(0);
    const clock = new SimClock({ wall, startTime: start });
    clock.advance(60_000);
    expect(clock.now()).toBe(start + 60_000);
    wall.advance(1000);
    expect(clock.now()).toBe(start + 61_000);
    clock.setSpeed(10);
    expect(clock.now()).toBe(start + 61_000);
    wall.advance(1000);
    expect(clock.now()).toBe(start + 71_000);
    clock.setSpeed('manual');
    wall.advance(1000);
    expect(clock.now()).toBe(start + 71_000);
    clock.setSpeed(1);
    wall.advance(500);
    expect(clock.now()).toBe(start + 71_500);
  });

  it('never goes backwards when the wall clock does', () => {
    const wall = new ManualWallClock(10_000);
    const clock = new SimClock({ wall, startTime: start });
    wall.advance(5000);
    expect(clock.now()).toBe(start + 5000);
    wall.set(9000);
    expect(clock.now()).toBe(start + 5000);
  });

  it('rejects a bad speed or start time', () => {
    expect(() => new SimClock({ speed: 0 })).toThrow(/speed/);
    expect(() => new SimClock({ speed: -2 })).toThrow(/speed/);
    expect(() => new SimClock({ speed: Number.NaN })).toThrow(/speed/);
    expect(() => new SimClock({ startTime: Number.NaN })).toThrow(/startTime/);
  });

  it('uses the real wall clock when none is given', () => {
    const before = Date.now();
    const clock = new SimClock();
    expect(clock.now()).toBeGreaterThanOrEqual(before);
    expect(clock.now()).toBeLessThanOrEqual(Date.now());
  });
});

describe('ManualWallClock', () => {
  it('fires interval timers at their due times, in order, until cleared', () => {
    const wall = new ManualWallClock(0);
    const fired: string[] = [];
    const fast = wall.setInterval(() => fired.push(`fast@${wall.now()}`), 30);
    wall.setInterval(() => fired.push(`slow@${wall.now()}`), 50);
    wall.advance(100);
    expect(fired).toEqual(['fast@30', 'slow@50', 'fast@60', 'fast@90', 'slow@100']);
    wall.clearInterval(fast);
    expect(wall.timerCount).toBe(1);
    wall.advance(50);
    expect(fired.at(-1)).toBe('slow@150');
    expect(wall.now()).toBe(150);
  });
});
