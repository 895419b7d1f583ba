/** Shape checks shared by the parsers: cheap, allocation-free, and strict about types. */

const DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

export type Payload = Record<string, unknown>;

export function isObject(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A decimal as Binance writes it: a string of digits with an optional sign, fraction and exponent. A
 * hand-written scan (the hot path runs it a few times per message); exponents fall back to the regex.
 */
export function isDecimal(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const length = value.length;
  if (length === 0 || length > 64) return false;
  let index = value.charCodeAt(0) === 45 ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; index < length; index += 1) {
    const code = value.charCodeAt(index);
    if (code >= 48 && code <= 57) {
      digits += 1;
    } else if (code === 46 && !dot && digits > 0) {
      dot = true;
      digits = 0;
    } else if ((code === 101 || code === 69) && digits > 0) {
      return DECIMAL.test(value);
    } else {
      return false;
    }
  }
  return digits > 0;
}

/** An integer JSON number (ids, times, counts). */
export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

export function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 256;
}

/** An integer given as a JSON number or a string of digits (Binance sends `E` as a string in a few events). */
export function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d{1,16}$/.test(value)) return Number(value);
  return undefined;
}

/** An optional decimal: `undefined` when absent, `null` when present but malformed. */
export function optionalDecimal(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  return isDecimal(value) ? value : null;
}

/** Decimal strings compared by value ("0.010" equals "0.01"), without floating point. */
export function sameDecimal(left: string, right: string): boolean {
  return normalizeDecimal(left) === normalizeDecimal(right);
}

/** "-0.0100" → "-0.01", "5.000" → "5", "-0" → "0". Exponent forms are returned as given. */
export function normalizeDecimal(value: string): string {
  if (value.includes('e') || value.includes('E')) return value;
  let text = value;
  let sign = '';
  if (text.startsWith('-') || text.startsWith('+')) {
    sign = text.startsWith('-') ? '-' : '';
    text = text.slice(1);
  }
  let [whole = '', fraction = ''] = text.split('.');
  whole = whole.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const body = fraction === '' ? whole : `${whole}.${fraction}`;
  return body === '0' || body === '' ? '0' : `${sign}${body}`;
}

/** Decodes a socket frame to text, or `undefined` for binary frames this package does not expect. */
export function frameText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return undefined;
}

/** Byte length of a frame as received. */
export function frameLength(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (Buffer.isBuffer(data)) return data.length;
  if (Array.isArray(data)) return (data as Buffer[]).reduce((sum, part) => sum + part.length, 0);
  if (data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}
