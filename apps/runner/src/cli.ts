import { buildProgram } from './program';

// `bot playbook | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // commander throws on --help and usage errors once exitOverride is set; it has printed them already.
  const exitCode = (error as { exitCode?: number }).exitCode;
  if (typeof exitCode === 'number') process.exit(exitCode);
  throw error;
}
