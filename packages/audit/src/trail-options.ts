import { z } from 'zod';
import { AuditOptionsError } from './audit-error';
import type { SecretGuard } from './canonical-json';

/** When an `append` resolves, and what has reached the disk by then. */
export type Durability = 'always' | 'batch' | 'none';

/** A secret's value, as a string or as an object that reveals it (such as `@bot/config`'s `Secret`). */
export type SecretValue = string | { reveal(): string };

/**
 * Field names treated as secrets by default: names containing apiKey, apiSecret, secret, password,
 * passwd, passphrase, privateKey, signature, authorization, cookie, listenKey or credential, or ending
 * in token (`accessToken`, `operator_token`; not `tokenCount`), case-insensitive, `-`/`_` allowed inside.
 */
export const DEFAULT_SECRET_FIELD_PATTERN =
  /api[-_]?key|api[-_]?secret|secret|passw(?:or)?d|pass[-_]?phrase|private[-_]?key|signature|authori[sz]ation|cookie|listen[-_]?key|credential|token$/i;

/** The shortest secret value the guard accepts: shorter ones would redact ordinary words. */
export const MIN_SECRET_LENGTH = 8;

export interface AuditTrailOptions {
  /** The trail's file (segment 0), e.g. `audit/trail.jsonl`. Rotated segments sit next to it. Its directory is created. */
  path: string;
  /** Default `always`: each append resolves once its record is fsynced. */
  durability?: Durability;
  /** Group commit for `durability: 'batch'`: a write + fsync at most `maxDelayMs` (default 5) after the first queued record, or as soon as `maxRecords` (default 256) are queued. */
  batch?: { maxDelayMs?: number; maxRecords?: number };
  /** Start a new segment before a record would take the current one past `maxBytes`, and/or when the UTC day changes. Default: no rotation. */
  rotation?: { maxBytes?: number; utcDay?: boolean };
  /** The secret guard. Always on: field names matching `fieldPattern` are guarded even with no `values`. */
  secrets?: {
    /** Secret values that must never be written (API key, API secret, operator token); at least 8 characters each. */
    values?: readonly SecretValue[];
    /** Field names whose values are secrets; default {@link DEFAULT_SECRET_FIELD_PATTERN}; `null` turns name matching off. */
    fieldPattern?: RegExp | null;
    /** Default `redact`: replace with `[redacted]` and write. `refuse`: reject the append with `AuditSecretError`. */
    onSecret?: 'redact' | 'refuse';
  };
  /** The largest record line accepted, in bytes (default 1 MiB). */
  maxRecordBytes?: number;
  /** Default `torn-tail`: only a torn last line is cut on open. `invalid-tail` also cuts invalid complete records at the end (kept in a side file). */
  repair?: 'torn-tail' | 'invalid-tail';
  /** The clock, in epoch milliseconds (default `Date.now`). */
  now?: () => number;
}

/** Options with every default filled in. */
export interface ResolvedTrailOptions {
  readonly path: string;
  readonly durability: Durability;
  readonly maxDelayMs: number;
  readonly maxBatchRecords: number;
  readonly maxSegmentBytes: number | undefined;
  readonly rotateDaily: boolean;
  readonly guard: SecretGuard;
  readonly maxRecordBytes: number;
  readonly repair: 'torn-tail' | 'invalid-tail';
  readonly now: () => number;
}

const secretValueSchema = z.union([
  z.string().min(MIN_SECRET_LENGTH, `a secret value has at least ${MIN_SECRET_LENGTH} characters`),
  z.custom<{ reveal(): string }>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { reveal?: unknown }).reveal === 'function',
    'expected a string or an object with reveal()',
  ),
]);

const optionsSchema = z.strictObject({
  path: z.string().min(1, 'expected a file path'),
  durability: z.enum(['always', 'batch', 'none']).optional(),
  batch: z
    .strictObject({
      maxDelayMs: z.number().int().min(0).max(60_000).optional(),
      maxRecords: z.number().int().min(1).max(1_000_000).optional(),
    })
    .optional(),
  rotation: z
    .strictObject({
      maxBytes: z.number().int().min(4096).optional(),
      utcDay: z.boolean().optional(),
    })
    .optional(),
  secrets: z
    .strictObject({
      values: z.array(secretValueSchema).optional(),
      fieldPattern: z.instanceof(RegExp).nullable().optional(),
      onSecret: z.enum(['redact', 'refuse']).optional(),
    })
    .optional(),
  maxRecordBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .optional(),
  repair: z.enum(['torn-tail', 'invalid-tail']).optional(),
  now: z.custom<() => number>((value) => typeof value === 'function', 'expected a function').optional(),
});

function revealed(value: SecretValue, index: number): string {
  if (typeof value === 'string') return value;
  const text = value.reveal();
  if (typeof text !== 'string' || text.length < MIN_SECRET_LENGTH) {
    throw new AuditOptionsError([
      {
        path: `secrets.values.${index}`,
        message: `reveal() must return a string of at least ${MIN_SECRET_LENGTH} characters`,
      },
    ]);
  }
  return text;
}

/** Builds the secret guard's searchable forms of each secret. */
export function buildSecretGuard(
  values: readonly string[],
  fieldPattern: RegExp | undefined,
  onSecret: 'redact' | 'refuse',
): SecretGuard {
  const forms = new Set<string>();
  for (const value of values) {
    forms.add(value);
    forms.add(encodeURIComponent(value));
  }
  const searched = [...forms];
  return {
    values: searched,
    escapedValues: [...new Set([...searched, ...searched.map((form) => JSON.stringify(form).slice(1, -1))])],
    fieldPattern,
    onSecret,
    keyCache: new Map(),
  };
}

/** Validates options and fills in defaults; throws {@link AuditOptionsError} listing every problem. */
export function resolveTrailOptions(options: AuditTrailOptions): ResolvedTrailOptions {
  const result = optionsSchema.safeParse(options);
  if (!result.success) {
    throw new AuditOptionsError(
      result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }
  const parsed = result.data;
  const secretValues = (options.secrets?.values ?? []).map(revealed);
  const fieldPattern =
    options.secrets?.fieldPattern === null
      ? undefined
      : new RegExp(
          (options.secrets?.fieldPattern ?? DEFAULT_SECRET_FIELD_PATTERN).source,
          (options.secrets?.fieldPattern ?? DEFAULT_SECRET_FIELD_PATTERN).flags.replace(/[gy]/g, ''),
        );
  return {
    path: parsed.path,
    durability: parsed.durability ?? 'always',
    maxDelayMs: parsed.batch?.maxDelayMs ?? 5,
    maxBatchRecords: parsed.batch?.maxRecords ?? 256,
    maxSegmentBytes: parsed.rotation?.maxBytes,
    rotateDaily: parsed.rotation?.utcDay ?? false,
    guard: buildSecretGuard(secretValues, fieldPattern, parsed.secrets?.onSecret ?? 'redact'),
    maxRecordBytes: parsed.maxRecordBytes ?? 1024 * 1024,
    repair: parsed.repair ?? 'torn-tail',
    now: options.now ?? Date.now,
  };
}
