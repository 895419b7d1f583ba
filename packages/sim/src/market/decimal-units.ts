/**
 * Fixed-point helpers: prices and quantities are held as integers in units of 10^-decimals (a tick of
 * 0.1 → decimals 1, so 61000.1 is 610001 units) and formatted back to decimal strings only at the edge.
 * Integers stay exact up to Number.MAX_SAFE_INTEGER units.
 */
import { toIncrement } from '@bot/symbols';

/** A tick or step size read once: the scale every integer of that quantity is held at. */
export interface DecimalGrid {
  /** Canonical increment: no exponent, no trailing zeros ('0.1', '5'). */
  readonly increment: string;
  /** Fraction digits of the increment. */
  readonly decimals: number;
  /** 10 ** decimals. */
  readonly scale: number;
  /** The increment in units of 10^-decimals (0.1 → 1, 0.05 → 5, 10 → 10). */
  readonly incrementUnits: number;
}

const maximumDecimals = 12;

/** Reads a tick or step size (validated by `@bot/symbols`; throws `SymbolError` when not a number > 0). */
export function decimalGrid(increment: string, name = 'increment'): DecimalGrid {
  const canonical = toIncrement(increment, name).toFixed();
  const dot = canonical.indexOf('.');
  const decimals = dot < 0 ? 0 : canonical.length - dot - 1;
  if (decimals > maximumDecimals) {
    throw new RangeError(`${name} ${increment} has more than ${maximumDecimals} decimals`);
  }
  const incrementUnits = Number(canonical.replace('.', ''));
  if (!Number.isSafeInteger(incrementUnits)) throw new RangeError(`${name} ${increment} is too large`);
  return { increment: canonical, decimals, scale: 10 ** decimals, incrementUnits };
}

const plainDecimal = /^(\d+)(?:\.(\d*))?$/;

/**
 * Parses a plain non-negative decimal string ('33.1730') into integer units of 10^-decimals. Returns
 * undefined when the text is not a plain decimal, or (mode 'exact') has non-zero digits beyond `decimals`.
 * Mode 'nearest' rounds those digits half-up instead.
 */
export function parseUnits(
  text: string,
  decimals: number,
  mode: 'exact' | 'nearest' = 'exact',
): number | undefined {
  const match = plainDecimal.exec(text);
  if (match === null) return undefined;
  const whole = match[1] ?? '';
  let fraction = match[2] ?? '';
  let roundUp = false;
  if (fraction.length > decimals) {
    const rest = fraction.slice(decimals);
    if (/[^0]/.test(rest)) {
      if (mode === 'exact') return undefined;
      roundUp = rest.charCodeAt(0) >= 53; // '5'
    }
    fraction = fraction.slice(0, decimals);
  } else {
    fraction = fraction.padEnd(decimals, '0');
  }
  const units = Number(whole + fraction) + (roundUp ? 1 : 0);
  return Number.isSafeInteger(units) ? units : undefined;
}

/**
 * Reads a decimal string the fast way (float multiply and round), for values already known to be on the
 * grid such as our own ticks; returns NaN when the value does not fit `scale` within float precision.
 */
export function fastUnits(text: string, scale: number): number {
  const scaled = Number(text) * scale;
  const units = Math.round(scaled);
  return Math.abs(scaled - units) <= 1e-6 + Math.abs(units) * 1e-12 ? units : Number.NaN;
}

/** Formats integer units of 10^-decimals as a plain decimal string with exactly `decimals` decimals. */
export function formatUnits(units: number, decimals: number): string {
  const negative = units < 0;
  const magnitude = Math.abs(units);
  let digits = magnitude < 1e21 ? String(magnitude) : BigInt(magnitude).toString();
  if (decimals > 0) {
    if (digits.length <= decimals) digits = '0'.repeat(decimals - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}`;
  }
  return negative ? `-${digits}` : digits;
}
