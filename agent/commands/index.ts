// The one wiring table of `pbxready-agent` commands; each lives in its own module.

import type { CommandModule } from 'yargs';

export const COMMANDS: Array<() => Promise<CommandModule<any, any>>> = [
  async () => (await import('./report.js')).reportCommand,
  async () => (await import('./snapshot.js')).snapshotCommand,
  async () => (await import('./diff.js')).diffCommand,
  async () => (await import('./serve.js')).serveCommand,
];
