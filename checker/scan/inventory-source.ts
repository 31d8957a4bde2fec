// Reading an inventory file: line formats (one host per line, CSV) stream one line at a time;
// YAML/JSON are parsed as one document (their entries are still handed out one by one).

import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { UsageError } from '../../shared/errors.js';
import { createLineParser, detectFormat, parseStructured, withoutDuplicatesAsync, type InventoryFormat, type InventoryItem } from './inventory.js';

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

async function* readItems(path: string, format: InventoryFormat): AsyncGenerator<InventoryItem> {
  if (format === 'yaml' || format === 'json') {
    yield* parseStructured(await readFile(path, 'utf8'));
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

/**
 * A first pass that only counts valid entries (for the progress bar and "N of M"), before any run
 * is recorded: a document that does not parse, or one without a single entry, is bad input
 * (UsageError → exit 3), not an empty scan. Holds nothing but the duplicate check's keys.
 */
export async function countEntries(path: string, format: InventoryFormat): Promise<number> {
  let valid = 0;
  let invalid = 0;
  for await (const item of readInventory(path, format)) {
    if ('entry' in item) valid++;
    else if (item.error.document) throw new UsageError(`--inventory ${path}: line ${item.error.line}: ${item.error.reason}`);
    else invalid++;
  }
  if (valid + invalid === 0) throw new UsageError(`--inventory ${path}: no hosts in it`);
  return valid;
}
