#!/usr/bin/env node
// pbxready-agent: the host agent's CLI. Thin: the commands live in agent/commands/.

import { runMain, runProgram } from '../shared/cli/cli.js';
import { COMMANDS } from './commands/index.js';

await runMain('pbxready-agent', () => runProgram('pbxready-agent', COMMANDS));
