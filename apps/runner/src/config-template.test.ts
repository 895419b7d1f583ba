import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFileSchema, loadConfig } from '@bot/config';
import { describe, expect, it } from 'vitest';
import { configTemplate } from './config-template';
import { BOT_BIN, tempDir } from './testing';

function writeTemplate(text = configTemplate()): string {
  const path = join(tempDir(), 'bot.json');
  writeFileSync(path, text);
  return path;
}

/** Every `"key":` the text names, set or commented out, as `section.key`. */
function namedKeys(text: string): string[] {
  const keys: string[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    const opened = /^ {2}"(\w+)": \{$/.exec(line);
    if (opened) section = String(opened[1]);
    else if (/^ {2}\}/.test(line)) section = '';
    const key = /^\s*(?:\/\/ (?:example: )?)?"(\w+)": (?!\{)/.exec(line);
    if (key) keys.push(section ? `${section}.${key[1]}` : String(key[1]));
  }
  return keys;
}

describe('bot new-config', () => {
  it('loads back through @bot/config to exactly the configuration no file gives', () => {
    expect(loadConfig({ env: {}, configFile: writeTemplate() })).toEqual(loadConfig({ env: {} }));
  });

  it('names every key the file may hold, each with a one-line explanation above it', () => {
    const text = configTemplate();
    const expected = Object.entries(configFileSchema.shape).flatMap(([key, schema]) => {
      const inner = (schema as { unwrap: () => { shape?: Record<string, unknown> } }).unwrap();
      return inner.shape === undefined ? [key] : Object.keys(inner.shape).map((child) => `${key}.${child}`);
    });
    expect(namedKeys(text).sort()).toEqual(expected.sort());
    const lines = text.split('\n');
    lines.forEach((line, index) => {
      if (/^\s*(?:\/\/ (?:example: )?)?"\w+": (?!\{)/.test(line)) {
        expect(lines[index - 1], line).toMatch(/^\s*\/\/ (?!")\S.*\(env [A-Z_]+\)$/);
      }
    });
  });

  it('stays valid with every commented-out key set, and leaves those to the tier until then', () => {
    const text = configTemplate();
    const uncommented = text.replace(/^(\s*)\/\/ (".*)$/gm, '$1$2');
    expect(loadConfig({ env: {}, configFile: writeTemplate(uncommented) })).toEqual(loadConfig({ env: {} }));

    const aggressive = text.replace('"tier": "conservative"', '"tier": "aggressive"');
    const config = loadConfig({ env: {}, configFile: writeTemplate(aggressive) });
    expect(config.risk).toEqual(loadConfig({ env: { BOT_TIER: 'aggressive' } }).risk);
    expect(config.risk).not.toEqual(loadConfig({ env: {} }).risk);
  });

  it('never overwrites a file (exit 2), and writes a new one', () => {
    const dir = tempDir();
    const existing = join(dir, 'bot.json');
    writeFileSync(existing, '{}\n');
    const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' };
    const refused = spawnSync(process.execPath, [BOT_BIN, 'new-config', existing], { env, encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('already exists: not overwritten');
    expect(readFileSync(existing, 'utf8')).toBe('{}\n');

    const fresh = join(dir, 'fresh.json');
    const written = spawnSync(process.execPath, [BOT_BIN, 'new-config', fresh], { env, encoding: 'utf8' });
    expect(written.status).toBe(0);
    expect(readFileSync(fresh, 'utf8')).toBe(configTemplate());
  }, 120_000);
});
