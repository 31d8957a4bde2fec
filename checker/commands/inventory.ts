// `pbxready inventory sd INVENTORY [--output FILE]`: the fleet's inventory as a Prometheus file_sd
// target file, so the exporters' probes are scheduled by Prometheus from the same list `scan` reads.

import { emit } from '../../shared/cli/cli.js';
import { OUTPUT_FLAGS, defineCommand } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { finding } from '../../shared/findings.js';
import { secrets } from '../../shared/redact.js';
import { EXIT_CODE } from '../../shared/verdict.js';
import { FileSdBuilder } from '../scan/file-sd.js';
import { inventoryFormat, readInventory } from '../scan/inventory-source.js';

const sd = defineCommand({
  builder: (y) =>
    y
      .positional('inventory', { type: 'string', demandOption: true, describe: 'inventory file (YAML, JSON, CSV or one host per line, as for scan --inventory)' })
      .options(OUTPUT_FLAGS),
  handler: async (argv) => {
    const builder = new FileSdBuilder();
    let skipped = 0;
    for await (const item of readInventory(argv.inventory, await inventoryFormat(argv.inventory))) {
      if ('error' in item) {
        if (item.error.document) throw new UsageError(`${argv.inventory}: line ${item.error.line}: ${item.error.reason}`);
        skipped++;
        process.stderr.write(`${secrets.scrub(`INVENTORY_ENTRY_INVALID ${finding('INVENTORY_ENTRY_INVALID', { line: item.error.line, reason: item.error.reason }).message}`)}\n`);
        continue;
      }
      builder.add(item.entry);
    }
    if (builder.targets === 0) throw new UsageError(`${argv.inventory}: no valid hosts in it${skipped ? ` (${skipped} skipped)` : ''}`);
    await emit(builder.render(), argv.output);
    if (argv.output) process.stderr.write(`pbxready inventory sd: ${builder.targets} target(s) in ${builder.groupCount} group(s) written to ${argv.output}\n`);
    // A skipped entry is a host Prometheus will not probe: a warning, as in scan.
    if (skipped) process.exitCode = EXIT_CODE.warnings;
  },
});

export const inventory = defineCommand({
  builder: (y) =>
    y
      .command({ command: 'sd <inventory>', describe: 'write a Prometheus file_sd target file (JSON) from an inventory: targets with customer, name, tags, product and __param_module labels', ...sd })
      .demandCommand(1, 'inventory needs a command: sd'),
  handler: async () => {},
});
