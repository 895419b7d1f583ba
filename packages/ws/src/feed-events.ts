import type { WsError } from './errors';
import type { FeedName, HealthTransition } from './feed-health';
import type { DisconnectCause } from './resilient-connection';

/** A socket of a feed came up, went down, or was replaced before the 24 h cut. */
export interface ConnectionEvent {
  readonly feed: FeedName;
  /** E.g. `market-1`, `public-1`, `private`. */
  readonly connectionId: string;
  readonly state: 'up' | 'down' | 'rotated';
  readonly cause: DisconnectCause | undefined;
  readonly reason: string;
  readonly at: number;
}

/** A frame that was counted and dropped instead of dispatched. */
export interface DroppedMessage {
  readonly feed: FeedName;
  readonly kind: 'malformed' | 'unknown' | 'oversized';
  readonly reason: string;
}

/** Counters of a feed since it was created. */
export interface FeedStats {
  /** Frames received from sockets (and `ingest`). */
  readonly received: number;
  /** Events handed to listeners (stream and poll). */
  readonly dispatched: number;
  /** Events dropped because they were already delivered (rotation overlap, REST/stream overlap). */
  readonly duplicates: number;
  readonly malformed: number;
  /** Well-formed frames with an event type this package does not know. */
  readonly unknown: number;
  readonly oversized: number;
  /** Events delivered from REST polls. */
  readonly polled: number;
  readonly polls: number;
  readonly pollFailures: number;
  /** Sockets opened: first connections, reconnects and rotations. */
  readonly connects: number;
  readonly rotations: number;
  readonly listenerErrors: number;
}

export interface CommonFeedEvents {
  health: HealthTransition;
  connection: ConnectionEvent;
  error: WsError;
  dropped: DroppedMessage;
}
