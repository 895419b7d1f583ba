/**
 * The trade history, read from the audit trail — the one source of truth — by pairing each entry with its
 * close: `order.place` (the decision and its `why`) and `order.result` (the fill) or `reconcile.adopt` open a
 * trade; an operator's `position.close` (flatten) marks it; the guard's `position.close` (lens `Risk`,
 * written by settlement.ts with the trade's figures) closes it. One open trade per symbol at a time, as the
 * trader keeps them. `bot trades` and the console's `GET /trades` both read through here.
 */
import { existsSync } from 'node:fs';
import { listAuditSegments, readAuditTrail } from '@bot/audit';
import type { AuditRecord } from '@bot/audit';

/** Why a trade ended, in the operator's words. */
export type TradeExit = 'stop' | 'target' | 'liquidation' | 'adl' | 'manual' | 'flatten';

export interface TradeRow {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  /** The entry's intent id (client order ids derive from it); null for an adopted position. */
  readonly intentId: string | null;
  readonly adopted: boolean;
  /** Epoch ms: the exchange's times when the close recorded them, else the records' time. */
  readonly openedAt: number;
  readonly closedAt: number | null;
  readonly quantity: number | null;
  readonly entryPrice: number | null;
  readonly exitPrice: number | null;
  readonly stopLoss: number | null;
  readonly takeProfit: number | null;
  /** Null while the trade is open. */
  readonly exit: TradeExit | null;
  readonly fees: number | null;
  /** Funding paid (−) or received (+) while open: not recorded yet (the exchange adapter reads no income), so null. */
  readonly funding: number | null;
  /** Net of fees, as the guard counted it. */
  readonly pnl: number | null;
  /** PnL over the trade's initial risk (entry to stop, times the quantity). */
  readonly rMultiple: number | null;
  /** The entry decision's reason (or the adoption's). */
  readonly why: string;
  /** The close's reason as recorded. */
  readonly closeWhy: string | null;
}

export interface TradeFilter {
  /** Epoch ms, inclusive: trades opened at or after it. */
  readonly from?: number;
  /** Epoch ms, exclusive: trades opened before it. */
  readonly to?: number;
  /** `BTC/USDC:USDC` or `BTCUSDC`. */
  readonly symbol?: string;
}

/** The trail is missing, unreadable or does not verify: bad input for `bot trades` (exit 2). */
export class TradesError extends Error {
  readonly code = 'TRADES_UNREADABLE';
}

type Figures = Readonly<Record<string, string | number | boolean | null | undefined>>;
interface Rationale {
  readonly action: string;
  readonly lens: string;
  readonly symbol?: string;
  readonly side?: string;
  readonly size?: number | string;
  readonly why: string;
  readonly risk?: Figures;
}

interface Opening {
  symbol: string;
  side: 'long' | 'short';
  intentId: string | null;
  adopted: boolean;
  openedAt: number;
  quantity: number | null;
  entryPrice: number | null;
  stopLoss: number | null;
  takeProfit: number | null;
  why: string;
  flattened: boolean;
}

const EXITS: Readonly<Record<string, TradeExit>> = {
  stop_loss: 'stop',
  take_profit: 'target',
  liquidation: 'liquidation',
  adl: 'adl',
  manual: 'manual',
};

const numberOf = (value: unknown): number | null => {
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : null;
};

/** Pairs entries with closes, in trail order; the trades still open come last. Pure: records in, rows out. */
export function pairTrades(records: Iterable<AuditRecord>): TradeRow[] {
  const open = new Map<string, Opening>();
  const byIntent = new Map<string, Opening>();
  const closedIntents = new Set<string>();
  const rows: TradeRow[] = [];
  for (const record of records) {
    const time = Date.parse(record.ts);
    if (record.kind === 'order.result') {
      const result = record.payload as Figures;
      const opening = byIntent.get(String(result['intentId']));
      if (!opening) continue;
      if (['rejected', 'not-filled', 'already-closed'].includes(String(result['status']))) {
        if (open.get(opening.symbol) === opening) open.delete(opening.symbol); // nothing opened
        continue;
      }
      opening.entryPrice = numberOf(result['averagePrice']) ?? opening.entryPrice;
      opening.quantity = numberOf(result['filledQuantity']) ?? opening.quantity;
      continue;
    }
    if (record.kind !== 'rationale') continue;
    const decision = record.payload as Rationale;
    const symbol = decision.symbol;
    if (symbol === undefined) continue;
    const risk = decision.risk ?? {};
    if (decision.action === 'order.place' && decision.lens === 'Trader') {
      const opening: Opening = {
        symbol,
        side: decision.side === 'sell' ? 'short' : 'long',
        intentId: typeof risk['intentId'] === 'string' ? risk['intentId'] : null,
        adopted: false,
        openedAt: time,
        quantity: numberOf(decision.size),
        entryPrice: null,
        stopLoss: numberOf(risk['stopLoss']),
        takeProfit: numberOf(risk['takeProfit']),
        why: decision.why,
        flattened: false,
      };
      open.set(symbol, opening);
      if (opening.intentId) byIntent.set(opening.intentId, opening);
    } else if (decision.action === 'reconcile.adopt') {
      open.set(symbol, {
        symbol,
        side: decision.side === 'short' ? 'short' : 'long',
        intentId: null,
        adopted: true,
        openedAt: time,
        quantity: numberOf(risk['quantity']),
        entryPrice: null,
        stopLoss: numberOf(risk['stopLoss']),
        takeProfit: null,
        why: decision.why,
        flattened: false,
      });
    } else if (decision.action === 'position.close' && decision.lens === 'Operator') {
      const opening = open.get(symbol);
      if (opening) opening.flattened = true;
    } else if (decision.action === 'position.funding') {
      // Recorded after its close, read then from the exchange's funding payments.
      const index = rows.findIndex((row) => row.intentId !== null && row.intentId === risk['intentId']);
      const funding = numberOf(risk['funding']);
      if (index >= 0 && funding !== null) rows[index] = { ...(rows[index] as TradeRow), funding };
    } else if (decision.action === 'position.close' && decision.lens === 'Risk') {
      const intentId = typeof risk['intentId'] === 'string' ? risk['intentId'] : undefined;
      // A crash between the close's record and forgetting the trade records the close twice: count it once.
      if (intentId !== undefined && closedIntents.has(intentId)) continue;
      if (intentId !== undefined) closedIntents.add(intentId);
      const opening = (intentId && byIntent.get(intentId)) || open.get(symbol);
      if (opening && open.get(symbol) === opening) open.delete(symbol);
      rows.push(closedRow(symbol, decision, risk, opening, time));
    }
  }
  for (const opening of open.values()) rows.push(openRow(opening));
  return rows;
}

function closedRow(
  symbol: string,
  decision: Rationale,
  risk: Figures,
  opening: Opening | undefined,
  time: number,
): TradeRow {
  const recorded = EXITS[String(risk['reason'])] ?? 'manual';
  const exit = recorded === 'manual' && opening?.flattened ? 'flatten' : recorded;
  const side =
    decision.side === 'short' || decision.side === 'long' ? decision.side : (opening?.side ?? 'long');
  const entryPrice = numberOf(risk['entryPrice']) ?? opening?.entryPrice ?? null;
  const quantity = numberOf(risk['quantity']) ?? opening?.quantity ?? null;
  // The initial stop (the decision's), not a later one: R measures against what the trade was sized to risk.
  const stopLoss = opening?.stopLoss ?? numberOf(risk['stopLoss']);
  const pnl = numberOf(risk['pnl']);
  const riskAmount =
    entryPrice !== null && stopLoss !== null && quantity !== null
      ? Math.abs(entryPrice - stopLoss) * quantity
      : 0;
  return {
    symbol,
    side,
    intentId: (typeof risk['intentId'] === 'string' ? risk['intentId'] : opening?.intentId) ?? null,
    adopted: risk['adopted'] === true || opening?.adopted === true,
    openedAt: numberOf(risk['openedAt']) ?? opening?.openedAt ?? time,
    closedAt: numberOf(risk['closedAt']) ?? time,
    quantity,
    entryPrice,
    exitPrice: numberOf(risk['exitPrice']),
    stopLoss,
    takeProfit: opening?.takeProfit ?? numberOf(risk['takeProfit']),
    exit,
    fees: numberOf(risk['fees']),
    funding: null, // until its `position.funding` record (none when the read failed)
    pnl,
    rMultiple: pnl !== null && riskAmount > 0 ? pnl / riskAmount : null,
    why: opening?.why ?? '',
    closeWhy: decision.why,
  };
}

function openRow(opening: Opening): TradeRow {
  return {
    symbol: opening.symbol,
    side: opening.side,
    intentId: opening.intentId,
    adopted: opening.adopted,
    openedAt: opening.openedAt,
    closedAt: null,
    quantity: opening.quantity,
    entryPrice: opening.entryPrice,
    exitPrice: null,
    stopLoss: opening.stopLoss,
    takeProfit: opening.takeProfit,
    exit: null,
    fees: null,
    funding: null,
    pnl: null,
    rMultiple: null,
    why: opening.why,
    closeWhy: null,
  };
}

/** The trades a filter keeps: opened within [from, to), on the symbol (either spelling). */
export function filterTrades(rows: readonly TradeRow[], filter: TradeFilter): TradeRow[] {
  const wanted = filter.symbol?.toUpperCase();
  return rows.filter(
    (row) =>
      (filter.from === undefined || row.openedAt >= filter.from) &&
      (filter.to === undefined || row.openedAt < filter.to) &&
      (wanted === undefined || row.symbol === wanted || compact(row.symbol) === compact(wanted)),
  );
}

/** `BTC/USDC:USDC` → `BTCUSDC`. */
function compact(symbol: string): string {
  return symbol.replace(/:.*$/, '').replace('/', '');
}

/**
 * Reads and verifies the whole trail (every segment) and pairs its trades. The trail is read in one pass,
 * records streamed: see the README ("Trade history") for what a year of trades costs and why no index.
 */
export async function readTrades(auditPath: string, filter: TradeFilter = {}): Promise<TradeRow[]> {
  const records: AuditRecord[] = [];
  try {
    for await (const record of readAuditTrail(auditPath)) {
      if (record.kind === 'rationale' || record.kind === 'order.result') records.push(record);
    }
  } catch (error) {
    if (!existsSync(auditPath) && (await listAuditSegments(auditPath)).length === 0) {
      throw new TradesError(
        `no audit trail at ${auditPath}: set BOT_AUDIT_PATH (or --audit) to the trail of the runs to list`,
      );
    }
    throw new TradesError(
      `the audit trail ${auditPath} cannot be read (${(error as Error).message}); check it with bot audit verify ${auditPath}`,
    );
  }
  return filterTrades(pairTrades(records), filter);
}
