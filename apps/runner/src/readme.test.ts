import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_VARIABLES } from '@bot/config';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './program';
import { PLAYBOOKS } from './playbooks';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('the runner README stays complete', () => {
  it('documents every configuration key, as variable and as file path', () => {
    for (const variable of ENVIRONMENT_VARIABLES) {
      expect(readme, variable.name).toContain(`\`${variable.name}`);
      if (variable.path) expect(readme, variable.path).toContain(variable.path.split('.').pop() ?? '');
    }
  });

  it('documents every playbook and every option of bot run', () => {
    for (const playbook of PLAYBOOKS) expect(readme, playbook.id).toContain(`\`${playbook.id}\``);
    const run = buildProgram().commands.find((command) => command.name() === 'run');
    expect(run).toBeDefined();
    for (const option of run?.options ?? []) expect(readme, option.long).toContain(`\`${option.long}`);
  });
});
