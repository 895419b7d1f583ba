import { describe, expect, it } from 'vitest';
import { describeConfig } from './describe-config';
import { loadConfig } from './load-config';

const API_KEY = 'DescribeApiKey0123456789abcdef';
const API_SECRET = 'DescribeApiSecret0123456789abcdef';

describe('describeConfig', () => {
  it('summarises a testnet config for humans, with limits as percentages', () => {
    const config = loadConfig({
      env: {
        TESTNET: 'true',
        BOT_API_KEY: API_KEY,
        BOT_API_SECRET: API_SECRET,
        BOT_TIER: 'standard',
        DAILY_DRAWDOWN_PCT: '0.07',
        BOT_SYMBOLS: 'BTC,SOL',
      },
    });
    expect(describeConfig(config).split('\n')).toEqual([
      'mode: testnet (Binance demo trading, test funds)',
      'quote coin: USDT, settle coin: USDT',
      'symbols: BTC/USDT:USDT, SOL/USDT:USDT',
      'strategy: tier standard, timeframe 15m, minimum reward:risk 1.8 (tier bounds 1.2–10)',
      'risk per trade: 1 % of equity (tier cap 2 %)',
      'daily drawdown limit: 7 % (tier cap 8 %)',
      'leverage: 5x (tier cap 10x)',
      'max concurrent positions: 3 (tier cap 5)',
      'stop-loss streak limit: 3 in a row (tier cap 6)',
      'cooldown after a stop-loss: 15 min (tier minimum 5 min)',
      'orders: workingType MARK_PRICE, take-profit as limit order',
      'execution: up to 3 retries, backoff 500-10000 ms, request timeout 10000 ms, recvWindow 5000 ms',
      "entry safety: signals expire after 1 candle, entry denied when the mark price is more than 0.5 % from the signal's entry, position reduced when a fill's risk exceeds plan by more than 25 %",
      'account sweep: every 60000 ms (REST against the user-data stream)',
      'foreign positions: adopt (protected with a stop-loss sized from the per-trade risk, counted against the limits)',
      'audit: data/audit.jsonl, decision rationale recorded',
      'operator API: 127.0.0.1:8787, token absent',
      'notifications: none (no BOT_NOTIFY_URL)',
      'API key: present, API secret: present',
    ]);
  });

  it('shows the account safety settings as set', () => {
    const text = describeConfig(
      loadConfig({
        env: {
          BOT_SIGNAL_EXPIRY_CANDLES: '3',
          BOT_MAX_ENTRY_DEVIATION_PCT: '0.0025',
          BOT_RISK_OVERRUN_TOLERANCE_PCT: '0',
          BOT_ACCOUNT_SWEEP_MS: '5000',
        },
      }),
    );
    expect(text).toContain(
      "entry safety: signals expire after 3 candles, entry denied when the mark price is more than 0.25 % from the signal's entry, position reduced when a fill's risk exceeds plan by more than 0 %",
    );
    expect(text).toContain('account sweep: every 5000 ms');
    expect(describeConfig(loadConfig({ env: { BOT_FOREIGN_POSITIONS: 'flatten' } })).split('\n')).toContain(
      'foreign positions: flatten (closed at market)',
    );
    expect(describeConfig(loadConfig({ env: { BOT_FOREIGN_POSITIONS: 'ignore-symbol' } }))).toContain(
      'foreign positions: ignore-symbol (counted against the limits, symbol not traded while it is open, warned each candle)',
    );
  });

  it('says which secrets are absent and shows a live mode loudly', () => {
    const paper = describeConfig(loadConfig({ env: { RISK_PER_TRADE_PCT: '0.0075' } }));
    expect(paper).toContain('API key: absent, API secret: absent');
    expect(paper).toContain('risk per trade: 0.75 % of equity');
    const live = describeConfig(
      loadConfig({
        env: {
          BOT_MODE: 'live',
          BOT_LIVE_CONFIRM: 'I_UNDERSTAND_LIVE_TRADING',
          BOT_API_KEY: API_KEY,
          BOT_API_SECRET: API_SECRET,
          BOT_OPERATOR_TOKEN: 'DescribeOperatorToken0123456789abcdef',
        },
      }),
    );
    expect(live).toContain('mode: LIVE (Binance USDⓈ-M, real money)');
    expect(live).toContain('token present');
    expect(live).not.toContain('DescribeOperatorToken');
    expect(live).not.toContain(API_KEY);
    expect(live).not.toContain(API_SECRET);
  });
});
