// The read-only POSIX sh the agentless collector sends over SSH (on stdin, never in argv), one
// script per phase. It only gathers raw text — files, df, /proc, the asterisk CLI, the mysql
// client, rpm — each in a section framed by a boundary chosen at random per run, with the exit
// status; the checker parses the sections with the agent's own parsers (shared/facts/).
//
// Rules every section keeps:
//   - a time limit (`timeout -k 1 S` when coreutils has it) and an output cap (`head -c`);
//   - a program that is not there → status 127 "<tool>: not found" (the checker names it);
//   - nothing written on the host: no temp file, no here-doc (bash writes those to $TMPDIR);
//   - nothing from the host's files or the database is ever put into shell text: the checker's
//     constants and the user's flags are single-quoted, and values read on the host stay in sh
//     variables and pipes. Database passwords never leave the host: credential files come back
//     with secret values replaced (SECRET_KEY, REDACTED_VALUE), and the client's option file is
//     built by awk on the host and handed to mysql on a pipe (`--defaults-extra-file=/dev/fd/3`),
//     never on a command line.


/** One argument for sh, quoted so that no byte of it is special (NUL cannot occur in argv). */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The remote command line: the user's login shell execs a plain sh reading the script on stdin. */
export const REMOTE_COMMAND = 'exec /bin/sh -s';

export interface ScriptEnv {
  /** Random per run, [0-9a-f]; frames every section. */
  boundary: string;
  /** Host paths are read under this prefix ('/' on a real host; a sysroot in tests). */
  root: string;
}

/**
 * The helpers every phase starts with. `sec NAME CAP SECS CMD…` runs one external command:
 * stderr joins stdout (the parsers need the CLI's own words), the output is cut at CAP bytes,
 * and the status is reported on the end line; `beg`/`fin` frame what sh prints itself.
 * `fsec NAME PATH CAP SECS CMD…` first says `noent`/`noperm` for a path that is missing or
 * unreadable (the words the agent's errno mapping uses), so the checker words gaps the same.
 */
function preamble(env: ScriptEnv): string {
  const root = env.root === '/' ? '' : env.root.replace(/\/+$/, '');
  return `B=${shq(env.boundary)}
R=${shq(root)}
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
LC_ALL=C
export PATH LC_ALL
umask 077
exec 4>&1
TO=
command -v timeout >/dev/null 2>&1 && TO=timeout
beg() { printf '%s begin %s\\n' "$B" "$1"; }
fin() { printf '\\n%s end %s\\n' "$B" "$1"; }
run_limited() {
  _t=$1; shift
  if [ -n "$TO" ]; then timeout -k 1 "$_t" "$@"; else "$@"; fi
}
sec() {
  _n=$1; _c=$2; _t=$3; shift 3
  beg "$_n"
  if command -v "$1" >/dev/null 2>&1; then
    _s=$( { { run_limited "$_t" "$@" 5>&- 4>&-; echo "$?" >&5; } 2>&1 | head -c "$_c" >&4 5>&-; } 5>&1 )
  elif found_not_executable "$1"; then
    printf '%s: permission denied' "$1"; _s=126
  else
    printf '%s: not found' "$1"; _s=127
  fi
  fin "\${_s:-unknown}"
}
# There, but not ours to run (e.g. /usr/sbin/ipset 0750): the agent's execFile says EACCES, not ENOENT.
found_not_executable() {
  case $1 in */*) [ -e "$1" ]; return ;; esac
  _f=1; _o=$IFS; IFS=:
  for _d in $PATH; do [ -e "$_d/$1" ] && { _f=0; break; }; done
  IFS=$_o
  return $_f
}
# The path with every symlink resolved, when it exists (realpath(3), as the agent asks): readlink -e
# needs no access to the last directory itself; without GNU readlink, cd -P (which does).
resolve() {
  readlink -e -- "$1" 2>/dev/null || (cd -P -- "$1" 2>/dev/null && pwd -P)
}
fsec() {
  _n=$1; _p=$2; shift 2
  if [ ! -e "$_p" ]; then beg "$_n"; fin noent
  elif [ ! -r "$_p" ]; then beg "$_n"; fin noperm
  else sec "$_n" "$@"
  fi
}
`;
}

/** One phase: the helpers and the body in one brace group, parsed whole before it runs, with stdin
 * (the script itself) replaced by /dev/null so no command can read the rest of the script. */
export function phaseScript(env: ScriptEnv, body: string[]): string {
  return `{\n${preamble(env)}${body.join('\n')}\n} </dev/null\n`;
}

// ---- awk programs (no single quote inside: they travel single-quoted) ----

/**
 * Redacts a credential file line by line: a line whose text before its last "=" names a secret
 * (the agent's SECRET_KEY) keeps its key and gets REDACTED_VALUE as value; other lines pass.
 * A superset of what the checker's parseKeyValues would read as a secret key, so no secret passes.
 */
export const AWK_REDACT = String.raw`BEGIN { q = sprintf("%c", 39) }
{
  line = $0
  i = index(line, "=")
  if (i == 0) { print line; next }
  pre = line
  sub(/=[^=]*$/, "", pre)
  if (tolower(pre) ~ /pass|pwd|secret|token/) {
    head = substr(line, 1, i - 1)
    if (head ~ /^[ \t]*[$]/) print head "= " q M q ";"
    else print head "= " M
  } else print line
}`;

/**
 * The mysql client's option file, built from a product file on the host: parseKeyValues's rules
 * (trim, comments, quotes, PHP $x['K'] = 'v'; lines, last one wins) for the recipe's keys.
 * Values are written double-quoted with \ and " escaped (the option-file syntax), character by
 * character (gsub's backslash rules differ between awks).
 * Variables: uk ud pk hk ok (user, user default, password, host, port keys), mode (socket|tcp|file), sock.
 */
export const AWK_CNF = String.raw`function trim(s) { sub(/^[ \t\r\n]+/, "", s); sub(/[ \t\r\n]+$/, "", s); return s }
function cnf(s,   o, i, c) { o = ""; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (c == bs || c == dq) o = o bs; o = o c } return dq o dq }
BEGIN { sq = sprintf("%c", 39); dq = sprintf("%c", 34); bs = sprintf("%c", 92) }
{
  line = trim($0)
  if (line == "" || line ~ /^[#;[]/) next
  if (line ~ /^[$][A-Za-z0-9_]+[[]/) {
    rest = line; sub(/^[$][A-Za-z0-9_]+[[][ \t]*/, "", rest)
    c = substr(rest, 1, 1); if (c != sq && c != dq) next
    rest = substr(rest, 2); j = 0
    for (i = 1; i <= length(rest); i++) { d = substr(rest, i, 1); if (d == sq || d == dq) { j = i; break } }
    if (j < 2) next
    k = substr(rest, 1, j - 1); rest = substr(rest, j + 1)
    if (rest !~ /^[ \t]*[]][ \t]*=[ \t]*/) next
    sub(/^[ \t]*[]][ \t]*=[ \t]*/, "", rest)
    q = substr(rest, 1, 1); if (q != sq && q != dq) next
    rest = substr(rest, 2); e = 0
    for (i = length(rest); i >= 1; i--) if (substr(rest, i, 1) == q && substr(rest, i + 1) ~ /^[ \t]*;/) { e = i; break }
    if (e == 0) next
    v[k] = substr(rest, 1, e - 1); next
  }
  if (match(line, /^[A-Za-z_][A-Za-z0-9_.]*[ \t]*=/)) {
    k = trim(substr(line, 1, RLENGTH - 1)); val = trim(substr(line, RLENGTH + 1))
    f = substr(val, 1, 1)
    if (length(val) >= 2 && (f == sq || f == dq) && substr(val, length(val), 1) == f) val = substr(val, 2, length(val) - 2)
    v[k] = val
  }
}
END {
  print "[client]"
  u = ud; if (uk != "" && (uk in v)) u = v[uk]
  print "user=" cnf(u)
  print "password=" cnf((pk in v) ? v[pk] : "")
  if (mode == "socket") print "socket=" cnf(sock)
  else if (mode == "tcp") print "host=" cnf("127.0.0.1")
  else {
    h = (hk != "" && (hk in v)) ? v[hk] : ""
    if (h == "") h = "localhost"
    p = ""
    if (match(h, /:[0-9]+$/) && RSTART > 1) { p = substr(h, RSTART + 1); h = substr(h, 1, RSTART - 1) }
    if (ok != "" && (ok in v) && v[ok] ~ /^[0-9]+$/) p = v[ok]
    print "host=" cnf(h)
    if (p != "") print "port=" p
  }
}`;

/**
 * Runs under `sh -c` (so `sec` can time-limit it): $1 the client, $2 the product file, $3 the SQL,
 * $4 the awk program, then its -v settings. The option file goes to the client on fd 3 through a
 * pipe, the SQL on stdin; -B tab-separated with a header per result, -n flushed per statement (so
 * an error line lands where its statement was), --force on past a refused statement.
 */
export const DB_RUN = String.raw`c=$1; f=$2; s=$3; a=$4; shift 4
printf "%s\n" "$s" | { awk "$@" "$a" "$f" | "$c" --defaults-extra-file=/dev/fd/3 --connect-timeout=5 -B -n --force 3<&0 0<&6 6<&-; } 6<&0`;
