#!/usr/bin/env node
// The `pbxready` executable: the shared runtime runs the one command named (commands/index.ts).

import { runMain, runProgram } from '../shared/cli/cli.js';
import { COMMANDS } from './commands/index.js';

await runMain('pbxready', () => runProgram('pbxready', COMMANDS));
