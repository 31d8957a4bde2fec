// The one wiring table of `pbxready-agent` commands: a name and a line for --help, and how to load
// the command (only the one being run is loaded).

import type { CommandEntry } from '../../shared/cli/cli.js';

export const COMMANDS: readonly CommandEntry[] = [
  { command: 'report', describe: 'Report disks, database, CDR table, Asterisk and versions of this PBX host (read-only)', load: async () => (await import('./report.js')).report },
  { command: 'snapshot', describe: 'Save a report under the state directory (before/after evidence for `diff`)', load: async () => (await import('./snapshot.js')).snapshot },
  { command: 'diff [before] [after]', describe: 'Show what changed between two snapshots: versions, endpoints, trunks, calls, disks, findings', load: async () => (await import('./diff.js')).diff },
  { command: 'serve', describe: 'Serve GET /report over HTTP(S) to holders of a bearer token', load: async () => (await import('./serve.js')).serve },
];
