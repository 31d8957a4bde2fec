// The one output step: redact, then render. Every report, snapshot and ticket body comes through here.

import { parseFormatFlag } from '../cli/flags.js';
import type { OutputFormat } from '../model.js';
import { secrets, type SecretRegistry } from '../redact.js';
import type { ReportDocument } from './document.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { renderText } from './text.js';

export const FORMATS: readonly OutputFormat[] = ['text', 'json', 'markdown', 'html'];

export function parseFormat(value: string): OutputFormat {
  return parseFormatFlag(value, FORMATS);
}

export function renderDocument(doc: ReportDocument, format: Exclude<OutputFormat, 'json'>): string {
  switch (format) {
    case 'text':
      return renderText(doc);
    case 'markdown':
      return renderMarkdown(doc);
    case 'html':
      return renderHtml(doc);
  }
}

/** Render any report kind: JSON is the report itself; the others go through its document. */
export function renderReport<R>(
  report: R,
  format: OutputFormat,
  toDocument: (report: R) => ReportDocument,
  registry: SecretRegistry = secrets,
): string {
  const safe = registry.redact(report);
  if (format === 'json') return `${JSON.stringify(safe, null, 2)}\n`;
  // The document is built from the redacted report, and scrubbed again: a renderer may join strings.
  return registry.scrub(renderDocument(toDocument(safe), format));
}
