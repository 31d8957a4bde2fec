// An inventory as a Prometheus `file_sd` target file (JSON): one target group per distinct label
// set, so a fleet of thousands with a few customers stays a small file. Pure.
// Labels: customer, name, tags (",eu,gold,": match one with tags=~".*,gold,.*", as Consul's SD does),
// product, and __param_module (the exporter's module) when the entry names a product.

import type { InventoryEntry } from './inventory.js';

export interface FileSdGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** The labels of one entry; empty ones left out. `auto` has no exporter module: the job's default applies. */
export function targetLabels(entry: InventoryEntry): Record<string, string> {
  const labels: Record<string, string> = {};
  if (entry.customer) labels.customer = entry.customer;
  if (entry.name) labels.name = entry.name;
  if (entry.tags.length) labels.tags = `,${entry.tags.join(',')},`;
  if (entry.product && entry.product !== 'auto') {
    labels.product = entry.product;
    labels.__param_module = entry.product;
  }
  return labels;
}

/** Collects entries into target groups in inventory order (a group sits where its first target was). */
export class FileSdBuilder {
  private readonly groups = new Map<string, FileSdGroup>();
  targets = 0;

  add(entry: InventoryEntry): void {
    const labels = targetLabels(entry);
    const key = JSON.stringify(Object.entries(labels));
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { targets: [], labels }));
    group.targets.push(entry.host);
    this.targets++;
  }

  get groupCount(): number {
    return this.groups.size;
  }

  /** The file's text: a JSON list of {targets, labels}, one group per line for readable diffs. */
  render(): string {
    return `[\n${[...this.groups.values()].map((g) => `  ${JSON.stringify(g)}`).join(',\n')}\n]\n`;
  }
}
