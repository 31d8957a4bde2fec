// `pbxready scan --inventory FILE`: the whole fleet, streamed. Flags → options, the engine does
// the rest; reports go out as hosts finish, summaries into the history, drift to the webhook.

import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { Logger } from 'pino';
import { createLogger } from '../../shared/cli/logger.js';
import { summarize } from '../history/drift.js';
import { UsageError } from '../../shared/errors.js';
import { finding } from '../../shared/findings.js';
import { hostKey, type InventoryEntry } from '../scan/inventory.js';
import { emit, secretFromEnv } from '../../shared/cli/cli.js';
import { OUTPUT_FLAGS, defineCommand, formatFlags, parseFormatFlag, parsePositiveInt } from '../../shared/cli/flags.js';
import type { ProductChoice, Verdict } from '../../shared/model.js';
import { secrets } from '../../shared/redact.js';
import { renderDashboard } from '../../shared/render/dashboard.js';
import { TOOL } from '../../shared/tool.js';
import { EXIT_CODE, worstVerdict } from '../../shared/verdict.js';
import { LIMIT_FLAGS, PROBE_SET_FLAGS, TARGET_FLAGS, parseLimitFlags, parseProbeSet, parseTargetFlags } from '../check-options.js';
import { computeDrift, pickRuns } from '../history/drift.js';
import { DRIFT_FLAGS, HISTORY_DB_FLAGS, openStore, parseDriftFlags } from '../history/options.js';
import { FLEET_AGENT_FLAGS, fleetAgentSource, parseFleetAgentFlags } from '../agent-source/options.js';
import { HEARTBEAT_MS } from '../history/store.js';
import { PathError, fsCause } from '../../shared/cli/paths.js';
import { runScan } from '../scan/engine.js';
import type { ScanTarget } from '../scan/host-check.js';
import { inventoryFormat, openInventory } from '../scan/inventory-source.js';
import { DEFAULT_HOSTS_IN_FLIGHT, planConcurrency, readFdLimit } from '../scan/limits.js';
import { noticesOf, postNotice } from '../scan/notify.js';
import { NOTIFY_EMAIL_FLAGS, mailNotice, parseNotifyEmailFlags } from '../scan/notify-email.js';
import { ProgressBar, ScanTally, renderSummary, wantsProgress, writeNdjson } from '../scan/output.js';

const SCAN_FORMATS = ['text', 'ndjson', 'html'] as const;

/** Inventory entry + scan flags → what to check; an unreadable key or token file rejects just that entry. */
async function targetFor(entry: InventoryEntry, a: { product: ProductChoice; ports?: number[]; agentTimeoutMs: number; tokens: Map<string, Promise<string>>; log: Logger }): Promise<ScanTarget | { invalid: string }> {
  const t: ScanTarget = { host: entry.host, product: entry.product ?? a.product };
  const ports = entry.ports ?? a.ports;
  if (ports) t.ports = ports;
  const ssh = entry.ssh;
  if (ssh?.fingerprint) t.sshFingerprint = ssh.fingerprint;
  if (ssh?.knownHosts) t.knownHostsFile = ssh.knownHosts;
  if (ssh?.identityFile) {
    if (!ssh.user) return { invalid: 'ssh identity_file needs ssh user' };
    try {
      const privateKey = await readFile(ssh.identityFile);
      secrets.add(privateKey.toString('utf8').trim());
      t.ssh = { user: ssh.user, privateKey };
    } catch (err) {
      return { invalid: `cannot read SSH key ${ssh.identityFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }
  if (entry.agent) {
    try {
      t.agent = await fleetAgentSource(entry.agent, a.agentTimeoutMs, a.tokens, a.log);
    } catch (err) {
      return { invalid: (err as Error).message };
    }
  }
  return t;
}

/**
 * The drift webhook, from --notify-webhook URL or --notify-webhook-env VAR (the URL stays off argv,
 * where `ps` shows it). Either way the URL, and its path (Slack's token), are secrets.
 */
function webhookUrl(argv: { notifyWebhook?: string | undefined; notifyWebhookEnv?: string | undefined }): URL | undefined {
  const flag = argv.notifyWebhookEnv !== undefined ? '--notify-webhook-env' : '--notify-webhook';
  const raw = argv.notifyWebhookEnv !== undefined ? secretFromEnv(argv.notifyWebhookEnv, flag) : argv.notifyWebhook;
  if (raw === undefined) return undefined;
  secrets.add(raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${flag}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag}: must be an http(s) URL`);
  if (url.pathname.length > 1) secrets.add(url.pathname);
  if (url.password) secrets.add(url.password);
  return url;
}

export const scan = defineCommand({
  builder: (y) =>
    y
      .option('inventory', { type: 'string', demandOption: true, describe: 'Inventory FILE: YAML, JSON, CSV or one host per line' })
      .options(TARGET_FLAGS)
      .options(PROBE_SET_FLAGS)
      .options(LIMIT_FLAGS)
      .option('min-timeout-ms', { type: 'string', default: '100', describe: 'Floor of the adaptive connect timeout (--timeout-ms is the ceiling)' })
      .option('concurrency', { type: 'string', describe: `Hosts checked at once (default ${DEFAULT_HOSTS_IN_FLIGHT.tcp} for --probes tcp, ${DEFAULT_HOSTS_IN_FLIGHT.full} for full; bounded by the open-file limit)` })
      .options(formatFlags(SCAN_FORMATS, 'text (progress + summary) | ndjson (one report a line, as hosts finish) | html (fleet dashboard)'))
      .options(OUTPUT_FLAGS)
      .options(FLEET_AGENT_FLAGS)
      .options(HISTORY_DB_FLAGS)
      .options(DRIFT_FLAGS)
      .option('notify-webhook', { type: 'string', describe: 'POST the drift since the previous run to this URL (Slack-compatible) when anything changed' })
      .option('notify-webhook-env', { type: 'string', describe: 'As --notify-webhook, the URL read from this environment VARIABLE (keeps the secret off the command line)' })
      .conflicts('notify-webhook', 'notify-webhook-env')
      .options(NOTIFY_EMAIL_FLAGS),
  handler: async (argv) => {
    const format = parseFormatFlag(argv.format, SCAN_FORMATS);
    const probes = parseProbeSet(argv.probes);
    const { product, ports } = parseTargetFlags(argv);
    const { timeoutMs: ceilingMs, perHostConcurrency: perHost, allowPrivate } = parseLimitFlags(argv);
    const floorMs = parsePositiveInt(argv.minTimeoutMs, '--min-timeout-ms', { max: ceilingMs });
    const requested = argv.concurrency !== undefined ? parsePositiveInt(argv.concurrency, '--concurrency', { max: 100_000 }) : undefined;
    const webhook = webhookUrl(argv);
    const mail = parseNotifyEmailFlags(argv);
    const inside = parseFleetAgentFlags(argv);
    const driftThresholds = parseDriftFlags(argv);
    const tokens = new Map<string, Promise<string>>();
    const log = createLogger();

    const plan = planConcurrency(requested, perHost, probes, readFdLimit());
    if (plan.clampedFrom) process.stderr.write(`pbxready scan: --concurrency ${plan.clampedFrom} lowered to ${plan.hostsInFlight}: the open-file limit is ${plan.fdLimit} and each host may use ${perHost} connections\n`);

    // The history first: a --db that cannot be opened is said before the inventory is even read.
    const store = openStore(argv.db);
    const invFormat = await inventoryFormat(argv.inventory);
    const inventory = await openInventory(argv.inventory, invFormat);
    const total = inventory.total;
    const started = Date.now();
    // The resolved path is the inventory's identity in the history: drift compares its runs only.
    let runId: number;
    try {
      runId = store.beginRun({ inventory: resolve(argv.inventory), probes, startedAt: new Date(started).toISOString() });
    } catch (err) {
      store.close();
      throw new PathError(store.path, `cannot record the run: ${fsCause(err)}`, '--db');
    }
    // A run whose process dies (kill -9) stops beating and reads as `abandoned`, never `running` forever.
    const heartbeat = setInterval(() => {
      try {
        store.heartbeat(runId);
      } catch {
        /* a full disk is caught by the next host's record */
      }
    }, HEARTBEAT_MS).unref();
    /**
     * The history or the --output file refused a write: the scan stops, since a run it cannot record
     * must never read as complete. `where` names the flag and the path, `cause` the real reason.
     */
    let storeFailure: string | null = null;
    let failedAt = `--db ${store.path}`;

    const abort = new AbortController();
    // Every probe in flight listens on this one signal: thousands of listeners are the design.
    setMaxListeners(0, abort.signal);
    const tally = new ScanTally();
    const progress = format === 'text' && wantsProgress(process.stderr, process.env) ? new ProgressBar(process.stderr, total) : null;
    let invalidSeen = 0;
    let duplicates = 0;
    let finished = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (abort.signal.aborted) {
        // The second signal (e.g. the first is stuck behind a paused `| less`): leave now, but
        // never with the run left 'running' in the history.
        if (!finished) store.finishRun(runId, { status: 'interrupted', finishedAt: new Date().toISOString(), hostsTotal: total - duplicates, invalidEntries: invalidSeen });
        store.close();
        process.stderr.write(`pbxready scan: ${sig} again: exiting now; run ${runId} recorded as interrupted\n`);
        process.exit(130);
      }
      progress?.interrupt();
      process.stderr.write(`pbxready scan: ${sig}: stopping; finished hosts are kept\n`);
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const ndjsonOut = format === 'ndjson' ? (argv.output ? (await import('node:fs')).createWriteStream(argv.output) : process.stdout) : null;
    // The reader went away (`| head`): stop like on a signal, keep what finished.
    ndjsonOut?.on('error', (err: NodeJS.ErrnoException) => {
      if (!abort.signal.aborted) process.stderr.write(`pbxready scan: output closed (${err.code ?? err.message}); stopping\n`);
      abort.abort();
    });
    try {
      const outcome = await runScan(
        inventory.items(),
        { product, ...(ports ? { ports } : {}), probes, timing: { floorMs, ceilingMs }, allowPrivate, hostsInFlight: plan.hostsInFlight, perHostConcurrency: perHost, signal: abort.signal, inside },
        {
          onReport: async (report, entry, insideOutcome) => {
            const key = hostKey(entry);
            if (storeFailure) return;
            try {
              store.recordHost(runId, summarize(report, { key, ...(entry.name ? { name: entry.name } : {}), ...(entry.customer ? { customer: entry.customer } : {}), tags: entry.tags }, insideOutcome));
            } catch (err) {
              storeFailure = fsCause(err);
              progress?.interrupt();
              abort.abort();
              return;
            }
            tally.add(report, key);
            progress?.update(tally);
            if (ndjsonOut) await writeNdjson(ndjsonOut, report);
          },
          onInvalid: (e) => {
            invalidSeen++;
            // Line formats are counted without holding every key: a repeated one is known only now.
            if (e.reason.startsWith('duplicate of line')) duplicates++;
            progress?.interrupt();
            process.stderr.write(`${secrets.scrub(`INVENTORY_ENTRY_INVALID ${finding('INVENTORY_ENTRY_INVALID', { line: e.line, reason: e.reason }).message}`)}\n`);
          },
          onHostError: (entry, err) => {
            if (storeFailure) return;
            progress?.interrupt();
            process.stderr.write(`${secrets.scrub(`pbxready scan: line ${entry.line} (${entry.host}): the check failed: ${(err as Error).message}`)}\n`);
          },
        },
        (entry) => targetFor(entry, { product, ...(ports ? { ports } : {}), agentTimeoutMs: inside.timeoutMs, tokens, log }),
      );
      if (progress) {
        progress.update(tally, true);
        progress.clear();
      }
      if (ndjsonOut && ndjsonOut !== process.stdout) {
        await new Promise<void>((r) => ndjsonOut.end(() => r()));
        const err = (ndjsonOut as { errored?: Error | null }).errored;
        if (err && storeFailure === null) {
          // A file that never got a byte (full disk) is not left behind empty.
          if ((ndjsonOut as { bytesWritten?: number }).bytesWritten === 0) rmSync(argv.output!, { force: true });
          storeFailure = fsCause(err);
          failedAt = `--output ${argv.output}`;
        }
      }
      if (storeFailure !== null) {
        // Interrupted with the reason when the store still takes that one small write; otherwise the run
        // stays `running` with a dead pid and reads as `abandoned`. Either way: no drift, no webhook.
        const reason = `${failedAt}: ${storeFailure}`;
        let marked = true;
        try {
          store.finishRun(runId, { status: 'interrupted', reason, finishedAt: new Date().toISOString(), hostsTotal: total - duplicates, invalidEntries: outcome.invalid });
        } catch {
          marked = false;
        }
        finished = true;
        process.stderr.write(`pbxready scan: ${failedAt}: ${storeFailure}; the scan stopped after ${outcome.done} of ${total} hosts and run ${runId} ${marked ? 'is recorded as interrupted' : 'could not be marked (pbxready history shows it abandoned)'}; no drift was computed\n`);
        process.exitCode = 3;
        return;
      }
      store.finishRun(runId, { status: outcome.interrupted ? 'interrupted' : 'complete', finishedAt: new Date().toISOString(), hostsTotal: total - duplicates, invalidEntries: outcome.invalid });
      finished = true;
      if (outcome.interrupted) {
        const f = finding('SCAN_INTERRUPTED', { done: outcome.done, total });
        process.stderr.write(`SCAN_INTERRUPTED ${f.message} ${f.remedy}\n`);
      }

      const runs = pickRuns(store, undefined, runId);
      const drift = runs ? computeDrift(store, runs.from, runs.to, driftThresholds) : null;
      for (const notice of drift ? noticesOf(drift) : []) {
        const tag = notice.kind === 'recovery' ? ' (RECOVERY)' : '';
        if (webhook) {
          const problem = await postNotice(webhook.href, notice);
          if (problem) process.stderr.write(`${secrets.scrub(`pbxready scan: drift not delivered: ${problem}${tag}`)}\n`);
        }
        if (mail) {
          const problem = await mailNotice(notice, mail);
          if (problem) process.stderr.write(`${secrets.scrub(`pbxready scan: drift not delivered: ${problem}${tag}`)}\n`);
        }
      }

      if (format === 'text') {
        const driftLines = drift ? [`Changes since run ${drift.fromRun}: ${drift.changes.length}`, ...drift.changes.slice(0, 20).map((c) => `  ${c.worse ? '!' : c.recovery ? '+' : '-'} ${c.message}`)] : [];
        if (outcome.interrupted) driftLines.push('', `SCAN_INTERRUPTED: ${finding('SCAN_INTERRUPTED', { done: outcome.done, total }).message}`);
        await emit(secrets.scrub(renderSummary(tally, { runId, inventory: argv.inventory, total, invalid: outcome.invalid, interrupted: outcome.interrupted, seconds: (Date.now() - started) / 1000, driftLines })), argv.output);
      } else if (format === 'html') {
        const run = store.getRun(runId)!;
        const page = renderDashboard({
          run: { id: run.id, status: run.status, inventory: run.inventory, startedAt: run.startedAt, hostsTotal: run.hostsTotal, invalidEntries: run.invalidEntries },
          hosts: () => store.hosts(runId, 'worst'),
          drift,
          generatedAt: new Date().toISOString(),
          toolVersion: TOOL.version,
        });
        await emit(secrets.scrub(page), argv.output);
      }

      let worst: Verdict | null = outcome.worst;
      if (outcome.invalid > 0 || outcome.interrupted) worst = worst === null ? 'warnings' : worstVerdict(worst, 'warnings');
      process.exitCode = EXIT_CODE[worst ?? 'unknown'];
    } finally {
      clearInterval(heartbeat);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      store.close();
    }
  },
});
