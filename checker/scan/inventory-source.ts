// Reading an inventory file: line formats (one host per line, CSV) stream one line at a time and
// hold nothing per host (a 150 MB, 1M-host file reads in flat memory); JSON is parsed as JSON;
// YAML is parsed once and only up to MAX_YAML_BYTES — its parser keeps every node (a 5 MB YAML
// inventory took 727 MB and 7 s, and a 50 MB one ran V8 out of heap).

import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { UsageError } from '../../shared/errors.js';
import { createLineParser, detectFormat, parseJsonInventory, parseStructured, withoutDuplicates, withoutDuplicatesAsync, type InventoryFormat, type InventoryItem } from './inventory.js';

async function head(path: string): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new UsageError(`--inventory ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

export async function inventoryFormat(path: string): Promise<InventoryFormat> {
  return detectFormat(path, await head(path));
}

/** Every item in file order; a repeated key is an error item naming the first line. */
export function readInventory(path: string, format: InventoryFormat): AsyncGenerator<InventoryItem> {
  return withoutDuplicatesAsync(readItems(path, format));
}

/** YAML above this is refused: its parser costs ~150 times the file in memory. */
export const MAX_YAML_BYTES = 1024 * 1024;

async function structuredText(path: string, format: 'yaml' | 'json'): Promise<string> {
  if (format === 'yaml') {
    const { size } = await stat(path);
    if (size > MAX_YAML_BYTES) {
      throw new UsageError(`--inventory ${path}: a YAML inventory of ${(size / 1024 / 1024).toFixed(1)} MiB is over the ${MAX_YAML_BYTES / 1024 / 1024} MiB YAML limit (YAML parsing holds ~150× the file in memory); write it as CSV or one host per line, which stream, or as JSON`);
    }
  }
  return readFile(path, 'utf8');
}

function parseStructuredText(text: string, format: 'yaml' | 'json'): Generator<InventoryItem> {
  return format === 'json' ? parseJsonInventory(text) : parseStructured(text);
}

async function* readItems(path: string, format: InventoryFormat): AsyncGenerator<InventoryItem> {
  if (format === 'yaml' || format === 'json') {
    yield* parseStructuredText(await structuredText(path, format), format);
    return;
  }
  const parse = createLineParser(format);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    const item = parse(line, ++n);
    if (item) yield item;
  }
}

export interface OpenedInventory {
  /** Valid entries (a repeated key in a line format is still counted: it is skipped during the scan). */
  total: number;
  items(): AsyncGenerator<InventoryItem>;
}

/**
 * The inventory, checked and counted before any run is recorded. YAML/JSON are parsed once and
 * their items kept for the scan; lines/CSV are counted by a pass that holds nothing and then
 * streamed again by the scan. A document that does not parse, or has no entry, is bad input.
 */
export async function openInventory(path: string, format: InventoryFormat): Promise<OpenedInventory> {
  if (format === 'yaml' || format === 'json') {
    const items = [...withoutDuplicates(parseStructuredText(await structuredText(path, format), format))];
    const document = items.find((i) => 'error' in i && i.error.document);
    if (document && 'error' in document) throw new UsageError(`--inventory ${path}: line ${document.error.line}: ${document.error.reason}`);
    if (items.length === 0) throw new UsageError(`--inventory ${path}: no hosts in it`);
    return {
      total: items.filter((i) => 'entry' in i).length,
      items: async function* () {
        yield* items;
      },
    };
  }
  let valid = 0;
  let any = false;
  for await (const item of readItems(path, format)) {
    any = true;
    if ('entry' in item) valid++;
  }
  if (!any) throw new UsageError(`--inventory ${path}: no hosts in it`);
  return { total: valid, items: () => readInventory(path, format) };
}
