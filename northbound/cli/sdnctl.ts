#!/usr/bin/env node
// `sdnctl`, the network engineer's CLI. Each command group lives in its own file under ./commands.
import { Command } from 'commander';
import { flowsCommand } from './commands/flows';
import { labCommand } from './commands/lab';
import { registerOfpCommands } from './commands/ofp';
import { ovsdbCommand } from './commands/ovsdb';
import { traceCommand } from './commands/trace';

const program = new Command('sdnctl').description('inspect and drive the SDN controller and its switches');
registerOfpCommands(program);
program.addCommand(flowsCommand());
program.addCommand(ovsdbCommand());
program.addCommand(labCommand());
program.addCommand(traceCommand());

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`sdnctl: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
