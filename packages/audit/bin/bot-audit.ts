#!/usr/bin/env node
import { runAuditCli } from '../src/audit-cli';

process.exitCode = await runAuditCli(process.argv.slice(2), process);
