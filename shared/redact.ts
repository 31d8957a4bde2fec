// Redaction is one step every output passes through (reports, snapshots, logs, ticket bodies, the
// fleet NDJSON and dashboard, and what the history store keeps for `history` and `drift`).
// Two nets: keys that name a secret are blanked, and any string containing a secret value the
// process learned (a password from env, a DB password read from pbxware.ini) is scrubbed.

export const REDACTED = '[redacted]';

const SECRET_KEY = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|credential|authorization|cookie)$/i;
/** Key names that only look like secrets but hold facts we want to show. */
const NOT_SECRET_KEY = /^(authMethods|tokenFile|passwordEnv|apiKeyEnv|keyFile|secretsRedacted)$/;

/**
 * A whole word holding a secret's name. The keyword is found by a lazy look-ahead and the word
 * then taken whole: `[\w-]*(?:pass…)[\w-]*` backtracked on long words (44 s over 256 KiB of
 * "passwordpassword…", and redaction runs over every output).
 */
const SECRET_NAME = String.raw`(?=[\w-]*?(?:pass|secret|token|api[-_]?key|pwd))[\w-]+`;
const SECRET_VALUE = String.raw`("[^"]*"|'[^']*'|[^\s,;&]+)`;
/**
 * Secret values config text can carry, in the three shapes it comes in: `secret=…` / `AMPDBPASS = …`
 * anywhere (Asterisk, ini, shell), `password: …` only at the start of a line (YAML, headers), and
 * `"token": "…"` (JSON inside a string). A name right after `/` or `.` is part of a path or file name
 * (`/etc/passwd: …`, `serve.token: …`), and a colon inside a sentence is prose: neither is a secret.
 */
const SECRET_ASSIGNMENTS = [
  new RegExp(String.raw`(?<![\w./-])(${SECRET_NAME})(\s*=\s*)${SECRET_VALUE}`, 'gi'),
  new RegExp(String.raw`^(\s*${SECRET_NAME})(\s*:\s*)${SECRET_VALUE}`, 'gim'),
  new RegExp(String.raw`("${SECRET_NAME}")(\s*:\s*)("[^"]*")`, 'gi'),
];

/** Names that point at where a secret lives (a variable, a file), not at the secret itself. */
const NOT_SECRET_ASSIGNMENT = /(?:[-_]?env|[-_]?file|[-_]?path)$/i;

/** Minimum length of a registered secret value; shorter values would scrub ordinary words. */
const MIN_SECRET_LENGTH = 3;

export class SecretRegistry {
  private readonly values = new Set<string>();
  /** The values longest first (a secret that contains another is removed whole); sorted once per add. */
  private longestFirst: string[] = [];

  add(value: string | null | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH || this.values.has(value)) return;
    this.values.add(value);
    this.longestFirst = [...this.values].sort((a, b) => b.length - a.length);
  }

  clear(): void {
    this.values.clear();
    this.longestFirst = [];
  }

  scrub(text: string): string {
    let out = text;
    for (const v of this.longestFirst) {
      if (out.includes(v)) out = out.split(v).join(REDACTED);
    }
    // Every assignment shape needs a '=' or a ':'; most strings of a report (states, reasons,
    // names) have neither, and are done here without running the patterns (a fleet redacts thousands).
    if (!out.includes('=') && !out.includes(':')) return out;
    for (const pattern of SECRET_ASSIGNMENTS) {
      out = out.replace(pattern, (whole, key: string, sep: string) => (NOT_SECRET_ASSIGNMENT.test(key.replace(/"/g, '').trim()) ? whole : `${key}${sep}${REDACTED}`));
    }
    return out;
  }

  /** A deep copy with secret-named keys blanked and every string scrubbed. */
  redact<T>(value: T): T {
    return this.walk(value, undefined) as T;
  }

  private walk(value: unknown, key: string | undefined): unknown {
    if (key !== undefined && SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key) && value !== null && value !== undefined && typeof value !== 'boolean') {
      return REDACTED;
    }
    if (typeof value === 'string') return this.scrub(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v, undefined));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.walk(v, k);
      return out;
    }
    return value;
  }
}

/** The process-wide registry: CLIs add every secret they read, outputs redact through it. */
export const secrets = new SecretRegistry();
