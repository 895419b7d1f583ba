import { describe, expect, it } from 'vitest';

import type { DroppedMessage } from './feed-events';
import { FrameIntake } from './frame-intake';
import { parseMarketPayload } from './parse-market-message';
import { parseUserDataPayload } from './parse-user-data-message';

const feeds = [
  { feed: 'market', parse: parseMarketPayload },
  { feed: 'userData', parse: parseUserDataPayload },
] as const;

describe.each(feeds)('the $feed frame intake', ({ feed, parse }) => {
  function intake() {
    const dropped: DroppedMessage[] = [];
    const frames = new FrameIntake<ReturnType<typeof parse>>({
      feed,
      maxMessageBytes: 64,
      parse,
      onDropped: (message) => dropped.push(message),
    });
    return { frames, dropped };
  }

  it('counts every frame, and each dropped one once under the reason it was dropped', () => {
    const { frames, dropped } = intake();
    expect(frames.read(new Uint8Array([0x7b]) as unknown as Buffer)).toBeUndefined(); // neither text nor a ws buffer
    expect(frames.read('{"e":')).toBeUndefined();
    expect(frames.read('[1]')).toBeUndefined();
    expect(frames.read('{"e":"somethingNew"}')).toBeUndefined();
    expect(frames.read(`{"pad":"${'x'.repeat(64)}"}`)).toBeUndefined();
    expect(dropped).toEqual([
      { feed, kind: 'malformed', reason: 'not a text frame' },
      { feed, kind: 'malformed', reason: 'invalid JSON' },
      { feed, kind: 'malformed', reason: 'not a JSON object' },
      { feed, kind: 'unknown', reason: 'event type somethingNew' },
      { feed, kind: 'oversized', reason: 'frame of 74 bytes exceeds maxMessageBytes 64' },
    ]);
    expect({ ...frames }).toEqual({ received: 5, malformed: 3, unknown: 1, oversized: 1 });
  });

  it('hands replies on, counted as received only', () => {
    const { frames, dropped } = intake();
    expect(frames.read('{"result":null,"id":7}')).toEqual({
      type: 'reply',
      id: 7,
      result: null,
      error: undefined,
    });
    expect(dropped).toEqual([]);
    expect({ ...frames }).toEqual({ received: 1, malformed: 0, unknown: 0, oversized: 0 });
  });
});
