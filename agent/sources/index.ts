// The one wiring table of fact sources. Stage 0 finds the product; stage 1 reads what depends
// on it; stage 2 what depends on stage 1 (the CDR table needs the DB session, disks the datadir).

import { asteriskSource } from './asterisk.js';
import { cdrSource } from './cdr.js';
import { customSource } from './custom.js';
import { databaseSource } from './database.js';
import { disksSource } from './disks.js';
import { fail2banSource } from './fail2ban.js';
import { hostSource } from './host.js';
import { listeningSource } from './listening.js';
import { packetFilterSource } from './packet-filter.js';
import { productSource } from './product.js';
import { publicAddressSource } from './public-address.js';
import { sessionSource } from './session.js';
import type { FactSource } from './source.js';

export const SOURCES: readonly FactSource[] = [
  productSource,
  hostSource,
  databaseSource,
  asteriskSource,
  listeningSource,
  packetFilterSource,
  fail2banSource,
  publicAddressSource,
  customSource,
  cdrSource,
  disksSource,
  sessionSource,
];
