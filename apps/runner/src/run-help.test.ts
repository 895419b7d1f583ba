import { describe, expect, it } from 'vitest';
import { buildProgram } from './program';

describe('bot run --help', () => {
  it('shows the default of every option that has one', () => {
    const run = buildProgram().commands.find((command) => command.name() === 'run');
    const help = run?.helpInformation() ?? '';
    const expected: Record<string, RegExp> = {
      '--mode': /default:? paper/,
      '--symbols': /default:? BTC,ETH/,
      '--timeframe': /default:? 15m/,
      '--duration': /default:? until Ctrl-C/,
      '--speed': /default:? "?60"?/,
      '--seed': /default:? "?42"?/,
      '--heartbeat': /default:? "?5m"?/,
      '--log-format': /default:? pretty in a terminal, json otherwise/,
      '--log-level': /default:? "?info"?/,
    };
    // One option's help may wrap over several lines: read from its flag to the next flag.
    for (const [flag, pattern] of Object.entries(expected)) {
      const from = help.indexOf(`${flag} `);
      expect(from, flag).toBeGreaterThan(-1);
      const rest = help.slice(from + flag.length);
      const next = rest.search(/\n\s+--?[a-z]/);
      expect(rest.slice(0, next < 0 ? undefined : next).replace(/\s+/g, ' '), flag).toMatch(pattern);
    }
  });
});
