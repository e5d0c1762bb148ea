#!/usr/bin/env node
// `sdnctl`, the network engineer's CLI. Each command group lives in its own file under ./commands.
import { Command } from 'commander';
import { registerOfpCommands } from './commands/ofp.js';

const program = new Command('sdnctl').description('inspect and drive the SDN controller and its switches');
registerOfpCommands(program);

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`sdnctl: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
