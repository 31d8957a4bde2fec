#!/usr/bin/env bash
# Installs pbxready-agent on a PBX host (PBXware, SERVERware, Issabel):
#   - checks Node.js >= 20 (>= 18.19 for the one-file bundle)
#   - copies the built agent and only its runtime modules under --prefix (default /opt/pbxready), or
#     with --bundle FILE (or when this script sits beside pbxready-agent.mjs and no built tree) the
#     one-file agent from `npm run bundle` alone
#   - writes /etc/pbxready/agent.json (mode 0600) with what it detected (kept if it exists)
#   - writes systemd units: a daily snapshot timer (enabled) and `serve` (enabled only with --enable-serve;
#     a re-run without it keeps the operator's earlier choice and says so; --disable-serve turns it off)
#   - `serve` runs as the unprivileged user pbxready-agent, reading what it needs through
#     CAP_DAC_READ_SEARCH only; on a non-loopback --listen it serves HTTPS with --tls-cert/--tls-key,
#     or with a self-signed certificate generated here (the token never travels in clear)
# Idempotent: run it again to update. --uninstall removes what it installed.
# --root DIR installs into a tree (tests, images); systemctl is only called when --root is /.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: install.sh [--bundle FILE] [--prefix DIR] [--root DIR] [--enable-serve | --disable-serve] [--listen ADDR:PORT] [--tls-cert PEM --tls-key PEM] [--node PATH] [--uninstall] [--keep-config]
  --bundle FILE       install the one-file agent FILE (dist/pbxready-agent.mjs from `npm run bundle`)
                      instead of the built tree; the default when no dist/agent/cli.js is beside
                      this script but pbxready-agent.mjs (or dist/pbxready-agent.mjs) is
  --prefix DIR        where the agent lives on the host (default /opt/pbxready)
  --root DIR          install into DIR as if it were / (default /)
  --enable-serve      enable the `pbxready-agent serve` unit (a token is generated in /etc/pbxready/serve.token)
  --disable-serve     disable the serve unit (a re-run with neither flag keeps serve as it was)
  --listen ADDR:PORT  serve's listen address (default 127.0.0.1:8731); off loopback serve uses TLS
  --tls-cert PEM      serve's certificate (with --tls-key); without them a non-loopback --listen gets
  --tls-key PEM       a self-signed one made with openssl (/etc/pbxready/serve.crt, its key 0600)
  --node PATH         the node binary the units run (default: node on PATH)
  --uninstall         remove the agent, its units and (unless --keep-config) /etc/pbxready
EOF
}

die() { echo "install.sh: $*" >&2; exit 3; }

PREFIX=/opt/pbxready
ROOT=/
ENABLE_SERVE=0
DISABLE_SERVE=0
LISTEN_GIVEN=0
LISTEN=127.0.0.1:8731
UNINSTALL=0
KEEP_CONFIG=0
NODE=""
BUNDLE=""
TLS_CERT=""
TLS_KEY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; PREFIX=$2; shift 2 ;;
    --bundle) [ $# -ge 2 ] || die "--bundle needs a file"; BUNDLE=$2; shift 2 ;;
    --root) [ $# -ge 2 ] || die "--root needs a directory"; ROOT=$2; shift 2 ;;
    --listen) [ $# -ge 2 ] || die "--listen needs ADDR:PORT"; LISTEN=$2; LISTEN_GIVEN=1; shift 2 ;;
    --node) [ $# -ge 2 ] || die "--node needs a path"; NODE=$2; shift 2 ;;
    --tls-cert) [ $# -ge 2 ] || die "--tls-cert needs a PEM file"; TLS_CERT=$2; shift 2 ;;
    --tls-key) [ $# -ge 2 ] || die "--tls-key needs a PEM file"; TLS_KEY=$2; shift 2 ;;
    --enable-serve) ENABLE_SERVE=1; shift ;;
    --disable-serve) DISABLE_SERVE=1; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    --keep-config) KEEP_CONFIG=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option \"$1\" (see --help)" ;;
  esac
done

case "$PREFIX" in /*) ;; *) die "--prefix must be an absolute path" ;; esac
[ "$ENABLE_SERVE" = 1 ] && [ "$DISABLE_SERVE" = 1 ] && die "--enable-serve and --disable-serve contradict each other"
[ -d "$ROOT" ] || die "--root $ROOT is not a directory"
{ [ -n "$TLS_CERT" ] && [ -z "$TLS_KEY" ]; } || { [ -z "$TLS_CERT" ] && [ -n "$TLS_KEY" ]; } && die "--tls-cert and --tls-key go together"
for f in "$TLS_CERT" "$TLS_KEY"; do [ -z "$f" ] || [ -r "$f" ] || die "cannot read $f"; done
ROOT=$(cd "$ROOT" && pwd)
[ "$ROOT" = / ] && R="" || R="$ROOT"
case "$LISTEN" in *:[0-9]*) ;; *) die "--listen \"$LISTEN\" must be ADDR:PORT" ;; esac

UNITS="$R/etc/systemd/system"
CONF_DIR="$R/etc/pbxready"
BIN_LINK="$R/usr/local/bin/pbxready-agent"
UNIT_NAMES="pbxready-agent-snapshot.service pbxready-agent-snapshot.timer pbxready-agent-serve.service"

live_systemctl() {
  # Only on the live system, and only where systemd runs.
  [ -z "$R" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] && systemctl "$@" || true
}

if [ "$UNINSTALL" = 1 ]; then
  live_systemctl disable --now pbxready-agent-snapshot.timer pbxready-agent-serve.service
  rm -f "$UNITS/timers.target.wants/pbxready-agent-snapshot.timer" "$UNITS/multi-user.target.wants/pbxready-agent-serve.service"
  for u in $UNIT_NAMES; do rm -f "$UNITS/$u"; done
  rm -f "$BIN_LINK"
  rm -rf "$R$PREFIX"
  [ "$KEEP_CONFIG" = 1 ] || rm -rf "$CONF_DIR"
  live_systemctl daemon-reload
  echo "pbxready-agent removed from $R$PREFIX"
  exit 0
fi

# ---- which agent: the built tree, or the one-file bundle ----
SRC=$(cd "$(dirname "$0")" && pwd)
if [ -z "$BUNDLE" ] && [ ! -f "$SRC/dist/agent/cli.js" ]; then
  for b in "$SRC/pbxready-agent.mjs" "$SRC/dist/pbxready-agent.mjs"; do [ -f "$b" ] && BUNDLE=$b && break; done
fi
if [ -n "$BUNDLE" ]; then
  [ -f "$BUNDLE" ] && [ -r "$BUNDLE" ] || die "--bundle $BUNDLE is not a readable file"
  BUNDLE=$(cd "$(dirname "$BUNDLE")" && pwd)/$(basename "$BUNDLE")
  NEED_MAJOR=18; NEED_MINOR=19
else
  [ -f "$SRC/dist/agent/cli.js" ] || die "$SRC/dist/agent/cli.js is missing: run \"npm ci\" (or \"npm run build\") first, or give --bundle FILE"
  NEED_MAJOR=20; NEED_MINOR=0
fi

# ---- Node.js: >= 20 for the built tree, >= 18.19 for the bundle (pino's diagnostics_channel.tracingChannel) ----
[ -n "$NODE" ] || NODE=$(command -v node || true)
[ -n "$NODE" ] && [ -x "$NODE" ] || die "Node.js >= $NEED_MAJOR.$NEED_MINOR is required: node not found (install it, or pass --node PATH)"
NODE_OK=$("$NODE" -p "const [a, b] = process.versions.node.split('.').map(Number); a > $NEED_MAJOR || (a === $NEED_MAJOR && b >= $NEED_MINOR) ? 1 : 0" 2>/dev/null || echo 0)
[ "$NODE_OK" = 1 ] || die "Node.js >= $NEED_MAJOR.$NEED_MINOR is required: $NODE is $("$NODE" --version 2>/dev/null || echo unknown)"

DEST="$R$PREFIX"
STAGE="$DEST.new.$$"
rm -rf "$STAGE"
mkdir -p "$STAGE/bin"
if [ -n "$BUNDLE" ]; then
  # One file, nothing beside it: every dependency is inside.
  cp "$BUNDLE" "$STAGE/pbxready-agent.mjs"
  chmod 0644 "$STAGE/pbxready-agent.mjs"
  AGENT_MAIN="$PREFIX/pbxready-agent.mjs"
  KIND="one-file agent"
else
  mkdir -p "$STAGE/dist"
  cp -R "$SRC/dist/agent" "$SRC/dist/shared" "$STAGE/dist/"
  cp "$SRC/dist/package.json" "$STAGE/dist/package.json"
  cp "$SRC/package.json" "$STAGE/package.json"
  # Only the modules the agent loads (and theirs), not the test and build tooling.
  "$NODE" - "$SRC" "$STAGE" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const [src, stage] = process.argv.slice(2);
const roots = ['mysql2', 'yargs', 'pino', 'pino-pretty', 'ipaddr.js', 'semver'];
const seen = new Set();
function locate(name, fromDir) {
  for (let d = fromDir; ; d = path.dirname(d)) {
    const p = path.join(d, 'node_modules', name);
    if (fs.existsSync(path.join(p, 'package.json'))) return p;
    if (d === src || d === path.dirname(d)) return null;
  }
}
function walk(name, fromDir, optional) {
  const dir = locate(name, fromDir);
  if (!dir) { if (optional) return; throw new Error(`module ${name} not found under ${src}/node_modules`); }
  if (seen.has(dir)) return;
  seen.add(dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) walk(dep, dir, false);
  for (const dep of Object.keys(pkg.optionalDependencies ?? {})) walk(dep, dir, true);
}
for (const r of roots) walk(r, src, false);
for (const dir of seen) fs.cpSync(dir, path.join(stage, path.relative(src, dir)), { recursive: true, dereference: true });
JS
  AGENT_MAIN="$PREFIX/dist/agent/cli.js"
  KIND="agent"
fi
cat > "$STAGE/bin/pbxready-agent" <<EOF
#!/bin/sh
exec "$NODE" "$AGENT_MAIN" "\$@"
EOF
chmod 0755 "$STAGE/bin/pbxready-agent"
# Swap in the new tree whole: a rerun never leaves a half-updated agent.
rm -rf "$DEST.old.$$"
[ -d "$DEST" ] && mv "$DEST" "$DEST.old.$$"
mkdir -p "$(dirname "$DEST")"
mv "$STAGE" "$DEST"
rm -rf "$DEST.old.$$"
mkdir -p "$(dirname "$BIN_LINK")"
ln -sfn "$PREFIX/bin/pbxready-agent" "$BIN_LINK"

# ---- configuration: what was detected; an existing file is the operator's and is kept ----
DETECTED=unknown
CDR_TABLE=""
if [ -d "$R/home/lxc" ] && ls -d "$R"/home/lxc/*/rootfs/opt/pbxware >/dev/null 2>&1 || [ -e "$R/etc/serverware" ]; then
  DETECTED=serverware; CDR_TABLE=pbxware.cdr
elif [ -d "$R/opt/pbxware/pw" ]; then
  DETECTED=pbxware; CDR_TABLE=pbxware.cdr
elif [ -e "$R/etc/issabel.conf" ] || [ -e "$R/etc/issabelpbx.conf" ]; then
  DETECTED=issabel; CDR_TABLE=asteriskcdrdb.cdr
fi
mkdir -p "$CONF_DIR"
chmod 0700 "$CONF_DIR"
if [ ! -f "$CONF_DIR/agent.json" ]; then
  umask 077
  {
    echo '{'
    printf '  "detected": { "product": "%s", "installedAt": "%s" }' "$DETECTED" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    [ -n "$CDR_TABLE" ] && printf ',\n  "cdrTable": "%s"' "$CDR_TABLE"
    printf ',\n  "thresholds": {}\n}\n'
  } > "$CONF_DIR/agent.json.tmp"
  mv "$CONF_DIR/agent.json.tmp" "$CONF_DIR/agent.json"
fi
chmod 0600 "$CONF_DIR/agent.json"

# ---- systemd units ----
mkdir -p "$UNITS"
# A re-run without --listen keeps the listen address an earlier run wrote.
if [ "$LISTEN_GIVEN" = 0 ] && [ -f "$UNITS/pbxready-agent-serve.service" ]; then
  EARLIER=$(sed -n 's/^ExecStart=.* --listen \([^ ]*\) .*/\1/p' "$UNITS/pbxready-agent-serve.service" | head -n 1)
  [ -n "$EARLIER" ] && LISTEN=$EARLIER
fi
# serve off loopback speaks TLS: the certificate given, else the one kept from an earlier run, else a
# self-signed one made here (the checker trusts it with NODE_EXTRA_CA_CERTS=serve.crt).
SERVE_USER=pbxready-agent
LISTEN_HOST=${LISTEN%:*}
LISTEN_HOST=${LISTEN_HOST#[}
LISTEN_HOST=${LISTEN_HOST%]}
case "$LISTEN_HOST" in 127.*|::1|localhost) LOOPBACK=1 ;; *) LOOPBACK=0 ;; esac
if [ -n "$TLS_CERT" ]; then
  install -m 0600 "$TLS_CERT" "$CONF_DIR/serve.crt"
  install -m 0600 "$TLS_KEY" "$CONF_DIR/serve.key"
elif [ "$LOOPBACK" = 0 ] && { [ ! -s "$CONF_DIR/serve.crt" ] || [ ! -s "$CONF_DIR/serve.key" ]; }; then
  command -v openssl >/dev/null 2>&1 || die "serve on $LISTEN needs TLS: pass --tls-cert and --tls-key (openssl was not found to make a certificate)"
  NAME=$(hostname -f 2>/dev/null || hostname)
  SAN="DNS:$NAME,DNS:localhost,IP:127.0.0.1"
  case "$LISTEN_HOST" in 0.0.0.0|::|'') for a in $(hostname -I 2>/dev/null); do SAN="$SAN,IP:$a"; done ;; *) SAN="$SAN,IP:$LISTEN_HOST" ;; esac
  ( umask 077; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 -subj "/CN=$NAME" \
      -addext "subjectAltName=$SAN" -keyout "$CONF_DIR/serve.key" -out "$CONF_DIR/serve.crt" >/dev/null 2>&1 ) \
    || die "openssl could not make a certificate for serve: pass --tls-cert and --tls-key"
  chmod 0600 "$CONF_DIR/serve.key" "$CONF_DIR/serve.crt"
  CERT_MADE=1
fi
TLS_ARGS=""
[ -s "$CONF_DIR/serve.crt" ] && [ -s "$CONF_DIR/serve.key" ] && TLS_ARGS=" --tls-cert /etc/pbxready/serve.crt --tls-key /etc/pbxready/serve.key"
# A dedicated unprivileged user for serve (on the live system; a --root tree gets only the unit).
if [ -z "$R" ] && ! id "$SERVE_USER" >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SERVE_USER" 2>/dev/null \
    || adduser --system --no-create-home --shell /usr/sbin/nologin "$SERVE_USER" >/dev/null 2>&1 \
    || die "cannot create the system user $SERVE_USER for serve"
fi
cat > "$UNITS/pbxready-agent-snapshot.service" <<EOF
[Unit]
Description=pbxready-agent: daily snapshot of this PBX's readiness facts
After=network-online.target mariadb.service mysqld.service

[Service]
Type=oneshot
ExecStart=$PREFIX/bin/pbxready-agent snapshot --config /etc/pbxready/agent.json --state-dir /var/lib/pbxready
StateDirectory=pbxready
StateDirectoryMode=0700
Nice=10
IOSchedulingClass=idle
EOF
cat > "$UNITS/pbxready-agent-snapshot.timer" <<EOF
[Unit]
Description=pbxready-agent: daily snapshot

[Timer]
OnCalendar=daily
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
EOF
cat > "$UNITS/pbxready-agent-serve.service" <<EOF
[Unit]
Description=pbxready-agent: read-only GET /report for the remote checker
After=network-online.target

[Service]
ExecStart=$PREFIX/bin/pbxready-agent serve --config /etc/pbxready/agent.json --listen $LISTEN --token-file /etc/pbxready/serve.token$TLS_ARGS
Restart=on-failure
# Not root: the config, the PBX's ini files and the database socket are read through this one
# capability (read and search, never write), which is all a read-only agent needs.
User=$SERVE_USER
Group=$SERVE_USER
AmbientCapabilities=CAP_DAC_READ_SEARCH
CapabilityBoundingSet=CAP_DAC_READ_SEARCH
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=true

[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$UNITS/timers.target.wants"
ln -sfn "/etc/systemd/system/pbxready-agent-snapshot.timer" "$UNITS/timers.target.wants/pbxready-agent-snapshot.timer"
SERVE_WANTS="$UNITS/multi-user.target.wants/pbxready-agent-serve.service"
# serve: on when asked, off when asked; otherwise as an earlier run left it (an update re-run must
# not cut off a remote checker the operator set up), and the summary says which.
SERVE=off
if [ "$DISABLE_SERVE" = 1 ]; then
  live_systemctl disable --now pbxready-agent-serve.service
  rm -f "$SERVE_WANTS"
elif [ "$ENABLE_SERVE" = 1 ]; then
  SERVE=on
elif [ -L "$SERVE_WANTS" ]; then
  SERVE=kept
fi
if [ "$ENABLE_SERVE" = 1 ]; then
  if [ ! -s "$CONF_DIR/serve.token" ]; then
    umask 077
    "$NODE" -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("hex") + "\n")' > "$CONF_DIR/serve.token"
  fi
  chmod 0600 "$CONF_DIR/serve.token"
  mkdir -p "$UNITS/multi-user.target.wants"
  ln -sfn "/etc/systemd/system/pbxready-agent-serve.service" "$UNITS/multi-user.target.wants/pbxready-agent-serve.service"
fi
live_systemctl daemon-reload
live_systemctl restart pbxready-agent-snapshot.timer
[ "$SERVE" != off ] && live_systemctl restart pbxready-agent-serve.service

echo "pbxready-agent ($KIND) installed in $DEST (detected: $DETECTED); config $CONF_DIR/agent.json"
case "$SERVE" in
  on) echo "serve enabled on $LISTEN as user $SERVE_USER; token in $CONF_DIR/serve.token${TLS_ARGS:+; TLS certificate $CONF_DIR/serve.crt}${CERT_MADE:+ (self-signed, made now: give it to the checker as NODE_EXTRA_CA_CERTS)}" ;;
  kept) echo "serve stays enabled (from an earlier run) on $LISTEN; token in $CONF_DIR/serve.token; to turn it off: install.sh --disable-serve" ;;
  off) [ "$DISABLE_SERVE" = 1 ] && echo "serve disabled (its unit is kept, not enabled; the token in $CONF_DIR/serve.token is kept)" ;;
esac
exit 0
