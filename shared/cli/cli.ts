// The small process runtime both binaries share: argv → one command (loaded only when it runs),
// yargs with the house rules, one-line errors with exit 3, reports to stdout or atomically to a
// file, and the readers of files and variables the user names.

import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { ConfigError, EXIT_USAGE, IoError, UsageError, errorLine, isUserError } from '../errors.js';
import { isRecord } from '../json.js';
import { secrets } from '../redact.js';
import { TOOL } from '../tool.js';
import { writeFileAtomic } from './atomic-write.js';
import { fsCause } from './paths.js';

/** Print one line naming the problem and exit 3: no stack trace, no secret. */
export function die(message: string): never {
  process.stderr.write(`${secrets.scrub(message)}\n`);
  process.exit(EXIT_USAGE);
}

/** Apply the house rules to a yargs instance: strict, one-line failures, exit 3. */
export function configureYargs<T>(y: Argv<T>, scriptName: string): Argv<T> {
  return y
    .scriptName(scriptName)
    .strict()
    .strictCommands()
    .demandCommand(1, 'a command is required (see --help)')
    .recommendCommands()
    .help()
    .version(TOOL.version)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    // --output is checked before any probe runs: a typo must not cost a whole check or scan.
    .middleware((argv) => {
      if (typeof argv.output === 'string') checkOutputPath(argv.output);
    })
    .fail((msg, err) => {
      if (err && !isUserError(err)) die(`${scriptName}: ${errorLine(err)}`);
      die(`${scriptName}: ${msg ?? errorLine(err)}`);
    });
}

/** One entry of a binary's command table: what `--help` lists, and how to load the rest. */
export interface CommandEntry {
  command: string;
  describe: string;
  load: () => Promise<LoadedCommand>;
}

/** A command's builder and handler. Method syntax on purpose: each command keeps its own argv type. */
export interface LoadedCommand {
  builder(y: Argv): Argv<unknown>;
  handler(argv: ArgumentsCamelCase<unknown>): Promise<void>;
}

/**
 * Parse argv and run one command. Only the command named on the command line is loaded (its
 * imports are what it costs to start); the others stay a name and a line for --help. A bare
 * --version is answered before yargs is even loaded.
 */
export async function runProgram(scriptName: string, table: readonly CommandEntry[], args: string[] = process.argv.slice(2)): Promise<void> {
  if (args.length === 1 && args[0] === '--version') {
    process.stdout.write(`${TOOL.version}\n`);
    return;
  }
  const { default: yargs } = await import('yargs');
  const cli = configureYargs(yargs(args), scriptName);
  skipHelpCache(cli);
  // No flag before the command takes a value, so the first word is the command.
  const wanted = args.find((a) => !a.startsWith('-'));
  for (const entry of table) {
    const body = entry.command.split(' ')[0] === wanted ? await entry.load() : { handler: async () => {} };
    cli.command({ command: entry.command, describe: entry.describe, ...body });
  }
  await cli.parseAsync();
}

/**
 * yargs lays out the running command's whole --help (cliui, string widths) just after its handler
 * starts, and keeps it for a handler that might print help later. Ours never do: errors are one
 * line. For `scan` that layout is ~50 ms of CPU in the middle of starting the probes, on every run.
 * yargs has no option for it, so the cache is switched off on its usage object when that object
 * is there; --help itself renders as before (it never reads the cache).
 */
function skipHelpCache(cli: Argv): void {
  const internals = (cli as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/** Run a CLI's main; anything thrown ends as one line and exit 3. */
export async function runMain(scriptName: string, main: () => Promise<number | void>): Promise<void> {
  try {
    const code = await main();
    if (typeof code === 'number') process.exitCode = code;
  } catch (err) {
    if (process.env.PBXREADY_DEBUG && !isUserError(err)) process.stderr.write(`${secrets.scrub(String((err as Error)?.stack ?? err))}\n`);
    die(`${scriptName}: ${errorLine(err)}`);
  }
  // The command is done and its output written (stdout/stderr writes are synchronous on Linux for
  // files, pipes and TTYs). Exit now: a child that never returns — `df` on a hung NFS mount, after
  // its source already timed out — must not keep the report's process alive. Servers (serve,
  // exporter) only get here once they have closed.
  process.exit(process.exitCode ?? 0);
}

/** --output FILE: its directory must exist and FILE must not be a directory. */
export function checkOutputPath(path: string): void {
  if (path.trim() === '') throw new UsageError('--output is empty');
  const dir = dirname(resolve(path));
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch {
    throw new UsageError(`--output ${path}: the directory ${dir} does not exist`);
  }
  if (!dirStat.isDirectory()) throw new UsageError(`--output ${path}: ${dir} is not a directory`);
  // Writable now, not after a 20-minute scan: a read-only mount or a root-owned directory says so up front.
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new UsageError(`--output ${path}: cannot write in ${dir}: ${fsCause(err)}`);
  }
  let target;
  try {
    target = statSync(path);
  } catch {
    return; // a new file
  }
  if (target.isDirectory()) throw new UsageError(`--output ${path} is a directory (give a file name)`);
  try {
    accessSync(path, constants.W_OK);
  } catch (err) {
    throw new UsageError(`--output ${path}: cannot write the file: ${fsCause(err)}`);
  }
}

/** Reports go to stdout, or atomically to --output FILE. */
export async function emit(text: string, output: string | undefined): Promise<void> {
  if (output) {
    await writeFileAtomic(output, text);
    return;
  }
  await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}

/** A file the user named with `flag`: its bytes, or one line naming the flag, the path and why. */
export async function readNamedFile(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new IoError(`${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
}

/**
 * The one JSON config loader (read at start-up, before anything runs, hence synchronous) (--config of the agent and of the help desks): an object whose keys
 * are all in `known`, or one line naming the file and the problem.
 */
export function readJsonConfig(path: string, known: ReadonlySet<string> | readonly string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new IoError(`--config ${path}: ${(err as NodeJS.ErrnoException).code ?? 'cannot read'}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`--config ${path} is not valid JSON`, { cause: err });
  }
  if (!isRecord(parsed)) throw new ConfigError(`--config ${path} must hold a JSON object`);
  const keys = [...known];
  const unknown = Object.keys(parsed).filter((k) => !keys.includes(k));
  if (unknown.length) throw new ConfigError(`--config ${path}: unknown key(s) ${unknown.join(', ')} (known: ${keys.join(', ')})`);
  return parsed;
}

/** A secret named by an environment variable (never by argv): registered for redaction at once. */
export function secretFromEnv(varName: string, flag: string): string {
  const value = process.env[varName];
  if (value === undefined || value === '') throw new UsageError(`${flag}: environment variable ${varName} is not set or empty`);
  secrets.add(value);
  return value;
}
