import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { LIVE_CONFIRMATION } from './schema';
import {
  API_KEY,
  API_SECRET,
  configError,
  issueAt,
  LIVE,
  useConfigDirectory,
} from './testing/load-config-fixtures';

/** loadConfig: secrets, keys, live mode and the notification settings. */

const { directory, writeFile } = useConfigDirectory();

describe('secrets, keys and live mode', () => {
  it('needs no keys in paper mode', () => {
    const config = loadConfig({ env: {} });
    expect(config.credentials.apiKey).toBeUndefined();
    expect(config.credentials.apiSecret).toBeUndefined();
  });

  it.each(['testnet', 'live'])('requires an API key and secret in %s mode', (mode) => {
    const env =
      mode === 'live' ? { BOT_MODE: 'live', BOT_LIVE_CONFIRM: LIVE_CONFIRMATION } : { BOT_MODE: mode };
    const error = configError({ env });
    expect(issueAt(error, 'credentials.apiKey')).toMatchObject({
      value: undefined,
      source: 'env',
      origin: 'BOT_API_KEY or BOT_API_KEY_FILE',
    });
    expect(issueAt(error, 'credentials.apiSecret').origin).toBe('BOT_API_SECRET or BOT_API_SECRET_FILE');
  });

  it('refuses live mode without the exact confirmation', () => {
    const { BOT_LIVE_CONFIRM: _confirmation, ...unconfirmed } = LIVE;
    const missing = issueAt(configError({ env: unconfirmed }), 'liveConfirm');
    expect(missing).toMatchObject({ value: undefined, source: 'env', origin: 'BOT_LIVE_CONFIRM' });
    expect(missing.expected).toContain(LIVE_CONFIRMATION);
    const wrong = configError({ env: { ...LIVE, BOT_LIVE_CONFIRM: 'yes' } });
    expect(wrong.issues).toHaveLength(1);
    expect(issueAt(wrong, 'liveConfirm').value).toBe('yes');
  });

  it('accepts the confirmation from overrides (a CLI flag)', () => {
    const { BOT_LIVE_CONFIRM: _confirmation, ...unconfirmed } = LIVE;
    expect(loadConfig({ env: unconfirmed, overrides: { liveConfirm: LIVE_CONFIRMATION } }).mode).toBe('live');
    const error = configError({ env: unconfirmed, overrides: { liveConfirm: 'sure' as never } });
    expect(issueAt(error, 'liveConfirm').source).toBe('override');
  });

  it('requires an operator token in live mode', () => {
    const { BOT_OPERATOR_TOKEN: _token, ...withoutToken } = LIVE;
    expect(issueAt(configError({ env: withoutToken }), 'operator.token').expected).toContain('live mode');
  });

  it('reads a secret file and trims its trailing newlines', () => {
    const secretFile = writeFile('secret', `${API_SECRET}\r\n\n`);
    const keyFile = writeFile('key', `${API_KEY}\n`);
    const config = loadConfig({
      env: { BOT_MODE: 'testnet', BOT_API_KEY_FILE: keyFile, BOT_API_SECRET_FILE: secretFile },
    });
    expect(config.credentials.apiSecret?.reveal()).toBe(API_SECRET);
    expect(config.credentials.apiKey?.reveal()).toBe(API_KEY);
  });

  it('accepts a multi-line PEM private key as the API secret', () => {
    const pem = `-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIL1aB2c3d4e5f6g7h8i9j0k\n-----END PRIVATE KEY-----`;
    const secretFile = writeFile('ed25519.pem', `${pem}\n`);
    const config = loadConfig({
      env: { BOT_MODE: 'testnet', BOT_API_KEY: API_KEY, BOT_API_SECRET_FILE: secretFile },
    });
    expect(config.credentials.apiSecret?.reveal()).toBe(pem);
  });

  it('refuses a secret given both directly and as a file', () => {
    const secretFile = writeFile('secret', API_SECRET);
    const error = configError({ env: { BOT_API_SECRET: API_SECRET, BOT_API_SECRET_FILE: secretFile } });
    expect(issueAt(error, 'credentials.apiSecret').expected).toBe(
      'only one of BOT_API_SECRET and BOT_API_SECRET_FILE',
    );
  });

  it('names a missing or empty secret file (its path, never a content)', () => {
    const missing = join(directory(), 'nope');
    const issue = issueAt(configError({ env: { BOT_API_SECRET_FILE: missing } }), 'credentials.apiSecret');
    expect(issue).toMatchObject({ value: missing, source: 'env', origin: 'BOT_API_SECRET_FILE' });
    expect(issue.expected).toContain('ENOENT');
    const empty = writeFile('empty', '\n');
    const emptyIssue = issueAt(configError({ env: { BOT_API_SECRET_FILE: empty } }), 'credentials.apiSecret');
    expect(emptyIssue.expected).toContain('it is empty');
  });

  it.each([
    ['BOT_API_KEY', 'short', 'credentials.apiKey'],
    ['BOT_API_KEY', `${API_KEY} `, 'credentials.apiKey'],
    ['BOT_API_KEY', '', 'credentials.apiKey'],
    ['BOT_API_SECRET', ` ${API_SECRET}`, 'credentials.apiSecret'],
    ['BOT_OPERATOR_TOKEN', 'tooshorttoken', 'operator.token'],
  ])('refuses an invalid %s and hides it', (name, text, path) => {
    const issue = issueAt(configError({ env: { [name]: text } }), path);
    expect(issue).toMatchObject({ value: '[redacted]', source: 'env', origin: name });
  });

  it('reports an invalid secret once, not again as missing', () => {
    const error = configError({
      env: { BOT_MODE: 'testnet', BOT_API_KEY: 'short', BOT_API_SECRET: API_SECRET },
    });
    expect(error.issues).toHaveLength(1);
  });

  it('refuses secrets in overrides', () => {
    const error = configError({ env: {}, overrides: { credentials: { apiKey: API_KEY } } as never });
    expect(issueAt(error, 'credentials').expected).toContain('no secrets in overrides');
    expect(error.message).not.toContain(API_KEY);
  });
});

describe('notifications', () => {
  const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX';
  const TELEGRAM_TOKEN = '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11';
  const TELEGRAM = `https://api.telegram.org/bot${TELEGRAM_TOKEN}/sendMessage`;

  it('are off without a URL, every event by default', () => {
    const config = loadConfig({ env: {} });
    expect(config.notifications).toMatchObject({ kind: 'json', url: undefined });
    expect(config.notifications.events).toEqual([
      'entry',
      'exit',
      'playbook',
      'halt',
      'resume',
      'daily-summary',
    ]);
  });

  it('read the kind, chat id and events from the environment and the URL as a secret', () => {
    const config = loadConfig({
      env: {
        BOT_NOTIFY_KIND: 'telegram',
        BOT_NOTIFY_URL: TELEGRAM,
        BOT_NOTIFY_CHAT_ID: '-1001234567890',
        BOT_NOTIFY_EVENTS: 'exit, halt',
      },
    });
    expect(config.notifications.kind).toBe('telegram');
    expect(config.notifications.chatId).toBe('-1001234567890');
    expect(config.notifications.events).toEqual(['exit', 'halt']);
    expect(config.notifications.url?.reveal()).toBe(TELEGRAM);
    expect(JSON.stringify(config)).not.toContain(TELEGRAM_TOKEN);
    const fromFile = loadConfig({ env: { BOT_NOTIFY_URL_FILE: writeFile('hook', `${SLACK}\n`) } });
    expect(fromFile.notifications.url?.reveal()).toBe(SLACK);
  });

  it('take the non-secret settings from the config file, and refuse the URL there', () => {
    const configFile = writeFile('bot.json', {
      notifications: { kind: 'discord', events: ['entry'], url: SLACK },
    });
    const error = configError({ env: {}, configFile });
    const issue = issueAt(error, 'notifications.url');
    expect(issue.value).toBe('[redacted]');
    expect(issue.expected).toContain('BOT_NOTIFY_URL');
    expect(error.message).not.toContain('XXXXXXXXXXXXXXXX');
    const good = writeFile('good.json', { notifications: { kind: 'discord', events: ['entry'] } });
    const config = loadConfig({ env: { BOT_NOTIFY_URL: SLACK }, configFile: good });
    expect(config.notifications).toMatchObject({ kind: 'discord', events: ['entry'] });
  });

  it.each([
    ['http://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX', 'http to a loopback host only'],
    ['ftp://127.0.0.1/hook', 'http to a loopback host only'],
    ['hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX', 'a webhook URL'],
  ])('refuse the URL %s, naming the field and never showing it', (url, expected) => {
    const error = configError({ env: { BOT_NOTIFY_URL: url } });
    const issue = issueAt(error, 'notifications.url');
    expect(issue).toMatchObject({ value: '[redacted]', source: 'env', origin: 'BOT_NOTIFY_URL' });
    expect(issue.expected).toContain(expected);
    expect(error.message).not.toContain('XXXXXXXXXXXXXXXX');
  });

  it('accept plain http to loopback hosts (a receiver on this machine)', () => {
    for (const url of ['http://127.0.0.1:9000/hook', 'http://localhost/hook', 'http://[::1]:8080/hook']) {
      expect(loadConfig({ env: { BOT_NOTIFY_URL: url } }).notifications.url?.reveal()).toBe(url);
    }
  });

  it('refuse an unknown kind or event, with the choices', () => {
    const error = configError({ env: { BOT_NOTIFY_KIND: 'teams', BOT_NOTIFY_EVENTS: 'entry,exits' } });
    expect(issueAt(error, 'notifications.kind').expected).toBe('one of json, telegram, slack, discord');
    expect(issueAt(error, 'notifications.events.1').expected).toContain('one of entry, exit, playbook');
  });

  it("need Telegram's chat id and sendMessage URL, and a chat id only for Telegram", () => {
    const noChat = configError({ env: { BOT_NOTIFY_KIND: 'telegram', BOT_NOTIFY_URL: TELEGRAM } });
    expect(issueAt(noChat, 'notifications.chatId').expected).toContain('BOT_NOTIFY_CHAT_ID');
    const wrongPath = configError({
      env: { BOT_NOTIFY_KIND: 'telegram', BOT_NOTIFY_URL: SLACK, BOT_NOTIFY_CHAT_ID: '42' },
    });
    const issue = issueAt(wrongPath, 'notifications.url');
    expect(issue.value).toBe('[redacted]');
    expect(issue.expected).toContain('bot<token>/sendMessage');
    const slackWithChat = configError({ env: { BOT_NOTIFY_URL: SLACK, BOT_NOTIFY_CHAT_ID: '42' } });
    expect(issueAt(slackWithChat, 'notifications.chatId').expected).toContain("it is Telegram's");
    expect(
      issueAt(configError({ env: { BOT_NOTIFY_CHAT_ID: 'my chat' } }), 'notifications.chatId'),
    ).toBeDefined();
  });

  it('suggest the right key for a typo in the section', () => {
    const configFile = writeFile('bot.json', { notifications: { kinds: 'slack' } });
    expect(issueAt(configError({ env: {}, configFile }), 'notifications.kinds').expected).toContain(
      'did you mean kind?',
    );
  });
});
