// The one wiring table of `pbxready` commands: a name and a line for --help, and how to load the
// command. Only the command being run is loaded, so `check` never loads SQLite, YAML or a help desk.

import type { CommandEntry } from '../../shared/cli/cli.js';

export const COMMANDS: readonly CommandEntry[] = [
  { command: 'check <host>', describe: 'Check from outside whether a PBX is reachable for vendor support', load: async () => (await import('./check.js')).check },
  { command: 'precheck <host>', describe: 'The upgrade pre-check: reachability, configuration, custom development, space vs CDR, backup, calls, version → go/no-go', load: async () => (await import('./precheck.js')).precheck },
  { command: 'scan', describe: 'Check a whole fleet from an inventory; record history and drift', load: async () => (await import('./scan.js')).scan },
  { command: 'history', describe: 'List recorded fleet scans', load: async () => (await import('./history.js')).history },
  { command: 'drift', describe: 'What changed per host between two fleet scans (default: the newest complete run vs the complete run of the same inventory before it)', load: async () => (await import('./drift.js')).drift },
  { command: 'exporter', describe: 'Serve Prometheus probes (blackbox_exporter style): /probe?target=HOST&module=PRODUCT', load: async () => (await import('./exporter.js')).exporter },
  { command: 'inventory <command>', describe: 'Inventory tools: `inventory sd` writes a Prometheus file_sd target file from it', load: async () => (await import('./inventory.js')).inventory },
  { command: 'ticket <command>', describe: 'put a report on a help-desk ticket (Freshdesk, Zendesk, osTicket)', load: async () => (await import('./ticket.js')).ticket },
];
