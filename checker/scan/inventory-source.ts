// Reading an inventory file: line formats (one host per line, CSV) stream one line at a time;
// YAML/JSON are parsed as one document (their entries are still handed out one by one).

import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { UsageError } from '../../shared/errors.js';
import { createLineParser, detectFormat, parseStructured, type InventoryFormat, type InventoryItem } from '../../shared/inventory.js';

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

export async function* readInventory(path: string, format: InventoryFormat): AsyncGenerator<InventoryItem> {
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

/** A first pass that only counts valid entries (for the progress bar and "N of M"); holds nothing. */
export async function countEntries(path: string, format: InventoryFormat): Promise<number> {
  let n = 0;
  for await (const item of readInventory(path, format)) if ('entry' in item) n++;
  return n;
}
