import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// Two test files at once: vitest's default is one fewer worker than CPUs (one on CI's 2 cores), and most of
// this suite's time is spent waiting on sockets, child processes and the emulator's clock, not computing
// (it was 707 s of a 21-minute `.ci/run`, one file at a time).
export default mergeConfig(shared, defineConfig({ test: { maxWorkers: 2 } }));
