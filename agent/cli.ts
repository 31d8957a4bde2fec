#!/usr/bin/env node
// pbxready-agent: the host agent's CLI. Thin: the commands live in agent/commands/.

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { configureYargs, runMain } from '../shared/cli/cli.js';
import { COMMANDS } from './commands/index.js';

await runMain('pbxready-agent', async () => {
  let y = configureYargs(yargs(hideBin(process.argv)), 'pbxready-agent');
  for (const load of COMMANDS) y = y.command(await load());
  await y.parseAsync();
});
