#!/usr/bin/env node
// The `pbxready` executable: yargs with the house rules, one module per command (commands/index.ts).

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { configureYargs, runMain } from '../shared/cli/cli.js';
import { COMMANDS } from './commands/index.js';

await runMain('pbxready', async () => {
  const cli = configureYargs(yargs(hideBin(process.argv)), 'pbxready');
  for (const load of COMMANDS) cli.command(await load());
  await cli.parseAsync();
});
