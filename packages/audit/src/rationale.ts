import { z } from 'zod';
import { AuditRationaleError } from './audit-error';

/**
 * The actions this package knows by name. The set is open: any other action matching
 * {@link RATIONALE_ACTION_PATTERN} (dot-separated lowerCamel words, at least two, e.g. `operator.override`)
 * is accepted too, so a new decision never waits for a release of this package.
 */
export const KNOWN_RATIONALE_ACTIONS = [
  'signal.accept',
  'signal.skip',
  'risk.allow',
  'risk.deny',
  'order.place',
  'order.cancel',
  'order.amend',
  'protection.place',
  'protection.missing',
  'position.close',
  'position.emergencyClose',
  'trading.pause',
  'trading.resume',
  'feed.degraded',
  'feed.restored',
  'reconcile.adopt',
  'reconcile.mismatch',
] as const;

/** One of {@link KNOWN_RATIONALE_ACTIONS}. */
export type KnownRationaleAction = (typeof KNOWN_RATIONALE_ACTIONS)[number];

/** What every action must look like: `area.verb`, lowerCamel words joined by dots. */
export const RATIONALE_ACTION_PATTERN = /^[a-z][a-zA-Z0-9]*(?:\.[a-z][a-zA-Z0-9]*)+$/;

/** The lenses this package knows by name; any other PascalCase word ({@link LENS_PATTERN}) is accepted too. */
export const KNOWN_LENSES = [
  'Trader',
  'Risk',
  'Execution',
  'Feed',
  'Reconciler',
  'Operator',
  'Strategy',
] as const;

/** One of {@link KNOWN_LENSES}. */
export type KnownLens = (typeof KNOWN_LENSES)[number];

/** What every lens must look like: one PascalCase word. */
export const LENS_PATTERN = /^[A-Z][A-Za-z0-9]*$/;

/** Order sides (`buy`, `sell`) and position or signal directions (`long`, `short`). */
export const RATIONALE_SIDES = ['buy', 'sell', 'long', 'short'] as const;

const decimal = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const unsignedDecimal = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;

const figureName = z.string().min(1).max(64);
/** A flat map of named figures: numbers, short strings (decimals, tiers, modes), booleans or null. */
const figures = z.record(figureName, z.union([z.number(), z.string().max(200), z.boolean(), z.null()]));
const decimalOrNumber = z.union([
  z.string().regex(decimal, 'expected a decimal string such as "61000.5"'),
  z.number(),
]);

/**
 * A decision record: what was decided (`action`), from which point of view (`lens`), about what
 * (`symbol`, `side`, `size`), why in words (`why`), and the numbers behind it (`config`, `risk`,
 * `prices`). Strict: unknown fields are refused, so a typo cannot silently drop evidence.
 *
 * Per action: `order.place` needs `symbol`, `side` (`buy`/`sell`), a positive `size`, `config` and
 * `risk`; `order.cancel` and `order.amend` need `symbol`; `risk.allow` and `risk.deny` need `config` and
 * `risk`.
 */
export const rationaleSchema = z
  .strictObject({
    action: z
      .string()
      .max(64)
      .regex(RATIONALE_ACTION_PATTERN, 'expected `area.verb`, e.g. "order.place" or "risk.deny"'),
    lens: z.string().max(32).regex(LENS_PATTERN, 'expected one PascalCase word, e.g. "Trader" or "Risk"'),
    why: z
      .string()
      .min(1)
      .max(4000)
      .refine((text) => text.trim() !== '', 'expected a human-readable reason, not blank'),
    symbol: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Z0-9][A-Z0-9/:._-]*$/, 'expected a symbol such as "BTC/USDC:USDC" or "BTCUSDC"')
      .optional(),
    side: z.enum(RATIONALE_SIDES).optional(),
    size: z
      .union([
        z.string().regex(unsignedDecimal, 'expected a non-negative decimal string such as "0.012"'),
        z.number().nonnegative(),
      ])
      .optional(),
    config: figures.optional(),
    risk: figures.optional(),
    prices: z.record(figureName, decimalOrNumber).optional(),
    mode: z.enum(['paper', 'testnet', 'live']).optional(),
    decisionId: z.string().min(1).max(128).optional(),
    clientOrderId: z.string().min(1).max(128).optional(),
    orderId: z.string().min(1).max(128).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((rationale, context) => {
    const require = (field: keyof typeof rationale, why: string) => {
      if (rationale[field] === undefined) {
        context.addIssue({
          code: 'custom',
          path: [field],
          message: `required for ${rationale.action}: ${why}`,
        });
      }
    };
    switch (rationale.action) {
      case 'order.place':
        require('symbol', 'which market');
        require('side', 'buy or sell');
        require('size', 'the order quantity');
        require('config', 'the config numbers behind the order');
        require('risk', 'the risk numbers behind the order');
        if (rationale.side === 'long' || rationale.side === 'short') {
          context.addIssue({ code: 'custom', path: ['side'], message: 'an order side is "buy" or "sell"' });
        }
        if (rationale.size !== undefined && Number(rationale.size) <= 0) {
          context.addIssue({ code: 'custom', path: ['size'], message: 'an order size is positive' });
        }
        break;
      case 'order.cancel':
      case 'order.amend':
        require('symbol', 'which market');
        break;
      case 'risk.allow':
      case 'risk.deny':
        require('config', 'the limits applied');
        require('risk', 'the risk numbers the decision was made on');
        break;
      default:
        break;
    }
  });

/** A validated decision record, as written in a `rationale` record's payload. */
export type Rationale = z.output<typeof rationaleSchema>;

/** What `appendRationale` accepts (the same shape; validated before anything is written). */
export type RationaleInput = z.input<typeof rationaleSchema>;

/** Validates a decision record; throws {@link AuditRationaleError} listing every problem. */
export function parseRationale(input: unknown): Rationale {
  const result = rationaleSchema.safeParse(input);
  if (result.success) return result.data;
  throw new AuditRationaleError(
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  );
}
