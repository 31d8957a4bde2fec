// The one wiring table of `pbxready` commands: each command lives in its own module.
// Each entry is a yargs CommandModule; add one line per command.

import type { CommandModule } from 'yargs';

export const COMMANDS: Array<() => Promise<CommandModule<any, any>>> = [
  async () => (await import('./check.js')).checkCommand,
  async () => (await import('./precheck.js')).precheckCommand,
  async () => (await import('./scan.js')).scanCommand,
  async () => (await import('./history.js')).historyCommand,
  async () => (await import('./drift.js')).driftCommand,
  async () => (await import('./exporter.js')).exporterCommand,
  async () => (await import('./ticket.js')).ticketCommand,
];
