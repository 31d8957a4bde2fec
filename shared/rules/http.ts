// The GUI fetch → findings: did the request work, and does the page look like the product's GUI?

import { finding } from '../findings.js';
import type { Finding, PortResult, Product } from '../model.js';
import { guiMatches, PROFILES } from '../profiles.js';

export function httpFindings(p: PortResult, product: Product): Finding[] {
  const h = p.http;
  if (!h) return [];
  const where = { port: p.port, address: p.address };
  if (h.error !== undefined) return [finding('HTTP_FAILED', { reason: h.error }, where)];
  if (guiMatches(product, h.recognized)) return [];
  return [
    finding(
      'GUI_NOT_RECOGNIZED',
      {
        status: h.status ?? 'no status',
        server: h.server ? `, Server: ${h.server}` : '',
        product: PROFILES[product].title,
        title: h.title ? ` (its title is “${h.title}”)` : '',
      },
      where,
    ),
  ];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };

/** Bytes of title text looked at; a title is a few words, a page may hold 256 KiB. */
const MAX_TITLE_SOURCE = 4096;

/**
 * The page's <title>, entity-decoded and whitespace-collapsed; null when there is none.
 * Linear in the page: three forward searches, no backtracking pattern over the body (a page of
 * `<title` repeated made a lazy `<title[^>]*>([\s\S]*?)<\/title>` run for seconds per probe).
 */
export function pageTitle(html: string): string | null {
  const open = /<title/gi;
  if (!open.exec(html)) return null;
  const start = html.indexOf('>', open.lastIndex);
  if (start < 0) return null;
  const close = /<\/title/gi;
  close.lastIndex = start + 1;
  if (!close.exec(html)) return null;
  const raw = html.slice(start + 1, Math.min(close.lastIndex - '</title'.length, start + 1 + MAX_TITLE_SOURCE));
  const text = raw
    .replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_w, e: string) => ENTITIES[e] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? null : text.slice(0, 200);
}
