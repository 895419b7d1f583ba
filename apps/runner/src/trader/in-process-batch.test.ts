import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InProcessBatch } from './in-process-batch';

const mark = (time: number) => ({ e: 'markPriceUpdate', E: time, s: 'BTCUSDC', p: '42000.0' });
const candle = (time: number, closed: boolean) => ({
  e: 'kline',
  E: time,
  s: 'BTCUSDC',
  k: { t: 0, T: 899_999, i: '15m', c: '42000.0', x: closed },
});

describe('InProcessBatch', () => {
  it('runs what was sent on the next turn of the event loop, in order', async () => {
    const batch = new InProcessBatch();
    const ran: string[] = [];
    batch.add(() => ran.push('order'));
    batch.addMarket('btcusdc@kline_15m', candle(1, true), () => ran.push('closed'));
    batch.add(() => ran.push('account'));
    expect(ran).toEqual([]);
    await nextTurn();
    expect(ran).toEqual(['order', 'closed', 'account']);
  });

  it('drops a mark or a forming candle that a later payload of its stream makes moot, never a closed candle', async () => {
    const batch = new InProcessBatch();
    const ran: string[] = [];
    const marks = 'btcusdc@markPrice@1s';
    const klines = 'btcusdc@kline_15m';
    batch.addMarket(marks, mark(1), () => ran.push('mark 1'));
    batch.addMarket(klines, candle(1, false), () => ran.push('forming 1'));
    batch.add(() => ran.push('account'));
    batch.addMarket(marks, mark(2), () => ran.push('mark 2'));
    batch.addMarket(klines, candle(2, false), () => ran.push('forming 2'));
    batch.addMarket(klines, candle(3, true), () => ran.push('closed 3'));
    batch.addMarket(klines, candle(4, false), () => ran.push('forming 4'));
    batch.addMarket('ethusdc@markPrice@1s', mark(4), () => ran.push('eth mark 4'));
    batch.addMarket(marks, mark(4), () => ran.push('mark 4'));
    await nextTurn();
    expect(ran).toEqual(['account', 'closed 3', 'forming 4', 'eth mark 4', 'mark 4']);
  });

  it('calls each handler with the payload it came with, so one handler serves a whole feed', async () => {
    const batch = new InProcessBatch();
    const seen: unknown[] = [];
    const handle = (payload: unknown) => seen.push(payload);
    batch.addMarket('btcusdc@kline_15m', candle(1, true), handle);
    batch.add(handle, { e: 'ORDER_TRADE_UPDATE', E: 2 });
    batch.addMarket('btcusdc@markPrice@1s', mark(3), handle);
    batch.addMarket('btcusdc@markPrice@1s', mark(4), handle);
    await nextTurn();
    expect(seen).toEqual([candle(1, true), { e: 'ORDER_TRADE_UPDATE', E: 2 }, mark(4)]);
  });

  it('keeps what a batch already ran out of the next one', async () => {
    const batch = new InProcessBatch();
    const ran: string[] = [];
    batch.addMarket('btcusdc@markPrice@1s', mark(1), () => ran.push('mark 1'));
    await nextTurn();
    batch.addMarket('btcusdc@markPrice@1s', mark(2), () => ran.push('mark 2'));
    await nextTurn();
    expect(ran).toEqual(['mark 1', 'mark 2']);
  });
});
