// Where each product keeps what the agent reads (domain.md); shared by the installed agent and the
// agentless collector, which read the same paths.
// prefixes them with --root. Anything here can be overridden in the config file's "paths".

import type { Product } from '../model.js';

export interface ProductLayout {
  /** Prefix every product path below is relative to (PBXware's chroot, a SERVERware VPS rootfs). */
  base: string;
  /** Files holding database credentials, tried in order. */
  credentialFiles: string[];
  /** Files that may hold the product's version (first non-empty line), tried in order. */
  versionFiles: string[];
  cdrTables: string[];
  asteriskEtc: string;
  agiDir: string;
  recordings: string;
  backups: string;
  /** The asterisk CLI as this product runs it, before --asterisk-cmd overrides it. */
  asteriskCmd: string[];
  /** Packages `rpm -Va` may verify. */
  packages: string[];
  /** AGI scripts the product ships (anything else is custom). */
  stockAgi: string[];
  /** Where MySQL's datadir lives when the server runs inside the product's chroot. */
  chroot?: string;
}

const PW = '/opt/pbxware/pw';

const FREEPBX_STOCK_AGI = [
  'dialparties.agi', 'enumlookup.agi', 'fixlocalprefix', 'list-item-remove.php', 'phpagi.php',
  'phpagi-asmanager.php', 'recordingcheck', 'directory', 'checksound.agi', 'queue_devstate.agi',
  'user_login_out.agi', 'speeddial-lookup.php', 'sql.php', 'jpg2tiff.sh', 'calllimit.agi',
];

export function pbxwareLayout(base = ''): ProductLayout {
  return {
    base,
    credentialFiles: [`${base}${PW}/etc/pbxware/pbxware.ini`],
    versionFiles: [`${base}${PW}/etc/pbxware/version`, `${base}${PW}/etc/pbxware/VERSION`, `${base}${PW}/VERSION`],
    cdrTables: ['pbxware.cdr'],
    asteriskEtc: `${base}${PW}/etc/asterisk`,
    agiDir: `${base}${PW}/var/lib/asterisk/agi-bin`,
    recordings: `${base}${PW}/var/spool/asterisk/monitor`,
    backups: `${base}/opt/backup`,
    asteriskCmd: ['chroot', PW, 'asterisk'],
    packages: [],
    stockAgi: [],
    chroot: `${base}${PW}`,
  };
}

export const ISSABEL_LAYOUT: ProductLayout = {
  base: '',
  credentialFiles: ['/etc/amportal.conf', '/etc/issabelpbx.conf', '/etc/issabel.conf'],
  versionFiles: [],
  cdrTables: ['asteriskcdrdb.cdr'],
  asteriskEtc: '/etc/asterisk',
  agiDir: '/var/lib/asterisk/agi-bin',
  recordings: '/var/spool/asterisk/monitor',
  backups: '/var/www/backup',
  asteriskCmd: ['asterisk'],
  packages: ['issabel-framework', 'issabelPBX', 'asterisk'],
  stockAgi: FREEPBX_STOCK_AGI,
};

/**
 * Issabel's Call Center module: its package, and the paths it installs (the dialer daemon and the
 * agent console GUI module) for hosts where rpm cannot be asked.
 */
export const ISSABEL_CALLCENTER = { package: 'issabel-callcenter', paths: ['/opt/issabel/dialer', '/var/www/html/modules/agent_console'] } as const;

/** SERVERware hosts PBXware VPSs as LXC containers: the agent looks into the first (or configured) one. */
export function serverwareLayout(vps: string | null): ProductLayout {
  const base = vps ? `/home/lxc/${vps}/rootfs` : '';
  const pw = pbxwareLayout(base);
  return {
    ...pw,
    versionFiles: ['/etc/serverware/version', '/opt/serverware/VERSION'],
    backups: '/opt/backup',
    asteriskCmd: vps ? ['lxc-attach', '-n', vps, '--', 'chroot', PW, 'asterisk'] : ['asterisk'],
  };
}

export const PRODUCT_TITLES: Record<Product, string> = { pbxware: 'PBXware', serverware: 'SERVERware', issabel: 'Issabel' };

/** A host path under a root prefix ('/' = the host itself). */
export function underRoot(root: string, path: string): string {
  return root === '/' ? path : `${root.replace(/\/+$/, '')}${path.startsWith('/') ? '' : '/'}${path}`;
}

/** The asterisk CLI to run: the override, else the product's (its chroot under the root prefix too). */
export function asteriskCommandOf(layout: ProductLayout | null, root: string, override: string[] | null): string[] {
  if (override) return override;
  const cmd = [...(layout?.asteriskCmd ?? ['asterisk'])];
  if (cmd[0] === 'chroot' && cmd[1]) cmd[1] = underRoot(root, cmd[1]);
  return cmd;
}

/** Whether rpm may be asked, and which: an explicit one always; the host's, never for a tree under a root prefix. */
export function rpmPlan(rpmCmd: string[] | null, root: string): { cmd: string[] } | { reason: string } | { probe: 'rpm' } {
  if (rpmCmd) return { cmd: rpmCmd };
  if (root !== '/') return { reason: 'rpm cannot verify a tree under --root (give --rpm-cmd to ask one that can)' };
  return { probe: 'rpm' };
}
