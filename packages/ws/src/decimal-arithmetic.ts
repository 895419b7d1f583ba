/** Exact add/subtract/compare on decimal strings (BigInt scaled), for reconstructing cumulative quantities. */

interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

function toScaled(value: string): Scaled {
  const negative = value.startsWith('-');
  const body = negative || value.startsWith('+') ? value.slice(1) : value;
  const [whole = '0', fraction = ''] = body.split('.');
  const units = BigInt(`${whole || '0'}${fraction}`);
  return { units: negative ? -units : units, scale: fraction.length };
}

function align(left: Scaled, right: Scaled): [bigint, bigint, number] {
  const scale = Math.max(left.scale, right.scale);
  return [
    left.units * 10n ** BigInt(scale - left.scale),
    right.units * 10n ** BigInt(scale - right.scale),
    scale,
  ];
}

function fromUnits(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? digits.slice(digits.length - scale).replace(/0+$/, '') : '';
  const text = fraction ? `${whole}.${fraction}` : whole;
  return negative && text !== '0' ? `-${text}` : text;
}

export function addDecimals(left: string, right: string): string {
  const [a, b, scale] = align(toScaled(left), toScaled(right));
  return fromUnits(a + b, scale);
}

export function subtractDecimals(left: string, right: string): string {
  const [a, b, scale] = align(toScaled(left), toScaled(right));
  return fromUnits(a - b, scale);
}

export function compareDecimals(left: string, right: string): -1 | 0 | 1 {
  const [a, b] = align(toScaled(left), toScaled(right));
  return a < b ? -1 : a > b ? 1 : 0;
}
