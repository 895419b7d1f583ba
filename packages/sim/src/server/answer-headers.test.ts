import { describe, expect, it } from 'vitest';
import { AnswerHeaders } from './answer-headers';

const entries = (headers: { forEach(callback: (value: string, name: string) => void): void }) => {
  const seen: [string, string][] = [];
  headers.forEach((value, name) => seen.push([name, value]));
  return seen;
};

describe('AnswerHeaders', () => {
  it('reads as a WHATWG Headers of the same fields: lower-case names in order, get and has by any case', () => {
    const fields = {
      'X-MBX-USED-WEIGHT-1M': '12',
      'Content-Type': 'application/json;charset=UTF-8',
      'Retry-After': '3',
      'x-mbx-order-count-10s': '1',
    };
    const light = new AnswerHeaders(fields);
    const whatwg = new Headers(fields);
    expect(entries(light)).toEqual(entries(whatwg));
    for (const name of ['x-mbx-used-weight-1m', 'Retry-after', 'CONTENT-TYPE', 'missing']) {
      expect([name, light.get(name), light.has(name)]).toEqual([name, whatwg.get(name), whatwg.has(name)]);
    }
  });

  it('joins two fields whose names differ only in case, as Headers does', () => {
    const fields = { 'Retry-After': '3', 'retry-after': '4' };
    expect(entries(new AnswerHeaders(fields))).toEqual(entries(new Headers(Object.entries(fields))));
  });
});
