import { readAuditTrail } from '@bot/audit';
import { exchangeId } from './exchange-record';

/** A decision to place an entry (`rationale` with `action: 'order.place'`). */
export interface PlaceRecord {
  readonly seq: number;
  /** Wall ms of the record (`ts`). */
  readonly at: number;
  readonly symbol: string;
  readonly clientIdBase: string;
  readonly intentId: string;
  readonly size: number;
  readonly stopLoss: number;
  readonly takeProfit: number;
  /** Reward/risk of the signal (`rr=…` in its why; the strategy's default 2). */
  readonly rewardRisk: number;
  readonly equity: number;
}

/** What the trail says about one run: what was announced when, and the decisions the invariants use. */
export interface AuditFacts {
  /** `clientIdBase` of every `order.place` → the earliest record's wall ms. */
  readonly bases: Map<string, number>;
  /**
   * Exact client ids announced before sending → the earliest record's wall ms: reconcile plans (a planned
   * stop-loss also announces its emergency close, `-s<gen>` → `-x<gen>`) and the `clientOrderId` of any
   * decision (`position.close`, `position.reduce`, flatten); a close split in chunks adds `-2`, `-3`.
   */
  readonly ids: Map<string, number>;
  readonly places: PlaceRecord[];
  /** `reconcile.adopt` records of the runner's takeovers (`playbook: foreign-position`): symbol and wall ms. */
  /** `openedAt`: the market time the runner says the adopted position opened (its first fill), when recorded. */
  readonly adoptions: { readonly symbol: string; readonly at: number; readonly openedAt?: number }[];
  readonly records: number;
  /** `audit.recovery` records: torn tails a SIGKILL left, cut and recorded at the next open. */
  readonly recoveries: number;
}

/** The facts of a trail that could not be read (or of none): nothing the bot announced. */
export const NO_FACTS: AuditFacts = {
  bases: new Map(),
  ids: new Map(),
  places: [],
  adoptions: [],
  records: 0,
  recoveries: 0,
};

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

const earliest = (map: Map<string, number>, key: string, at: number) => {
  const known = map.get(key);
  if (known === undefined || at < known) map.set(key, at);
};

export async function readAuditFacts(auditPath: string): Promise<AuditFacts> {
  const bases = new Map<string, number>();
  const ids = new Map<string, number>();
  const places: PlaceRecord[] = [];
  const adoptions: { symbol: string; at: number; openedAt?: number }[] = [];
  let records = 0;
  let recoveries = 0;
  for await (const record of readAuditTrail(auditPath)) {
    records += 1;
    const at = Date.parse(record.ts);
    if (record.kind === 'audit.recovery') recoveries += 1;
    const payload = asRecord(record.payload);
    if (record.kind === 'rationale') {
      const risk = asRecord(payload['risk']);
      const symbol = typeof payload['symbol'] === 'string' ? exchangeId(payload['symbol']) : '';
      if (payload['action'] === 'order.place' && typeof risk['clientIdBase'] === 'string') {
        earliest(bases, risk['clientIdBase'], at);
        const why = typeof payload['why'] === 'string' ? payload['why'] : '';
        const rr = /(?:^|; )rr=([0-9.]+)/.exec(why);
        places.push({
          seq: record.seq,
          at,
          symbol,
          clientIdBase: risk['clientIdBase'],
          intentId: String(risk['intentId'] ?? ''),
          size: Number(payload['size']),
          stopLoss: Number(risk['stopLoss']),
          takeProfit: Number(risk['takeProfit']),
          rewardRisk: rr ? Number(rr[1]) : 2,
          equity: Number(risk['equity']),
        });
      }
      if (typeof risk['clientOrderId'] === 'string') earliest(ids, risk['clientOrderId'], at);
      // The runner taking a position over as its trade (`adopt`: `playbook: foreign-position`), not the
      // reconciler's `POSITION_ADOPTED` flag, which only says it protected a position it found.
      if (payload['action'] === 'reconcile.adopt' && risk['playbook'] === 'foreign-position')
        adoptions.push({
          symbol,
          at,
          ...(typeof risk['openedAt'] === 'number' ? { openedAt: risk['openedAt'] } : {}),
        });
    } else if (record.kind === 'reconcile.plan' && Array.isArray(payload['actions'])) {
      for (const action of payload['actions']) {
        const id = asRecord(action)['clientOrderId'];
        if (typeof id !== 'string') continue;
        earliest(ids, id, at);
        // A stop-loss that cannot be placed is replaced by an emergency close of the same generation.
        const stop = /^(.+)-s([^-]+)$/.exec(id);
        if (stop) earliest(ids, `${stop[1]}-x${stop[2]}`, at);
      }
    }
  }
  return { bases, ids, places, adoptions, records, recoveries };
}

/** When the trail first announced this client id (wall ms), or undefined when it never did. */
export function announcedAt(id: string, facts: AuditFacts): number | undefined {
  let best: number | undefined;
  const consider = (at: number | undefined) => {
    if (at !== undefined && (best === undefined || at < best)) best = at;
  };
  consider(facts.ids.get(id));
  for (const [known, at] of facts.ids) if (id.startsWith(`${known}-`)) consider(at);
  for (const [base, at] of facts.bases) if (id.startsWith(base)) consider(at);
  return best;
}
