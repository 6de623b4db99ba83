import { m001 } from './001-initial';
import { m002 } from './002-reminder-per-expiry';
import { m003 } from './003-multi-instance';
import { m004 } from './004-restore-epoch';
import { m005 } from './005-operator-auth';
import { m006 } from './006-remote-commands';
import { m007 } from './007-code-reissue';
import { m008 } from './008-alerts-webhooks';
import { m009 } from './009-readable-notifications';
import { m010 } from './010-customer-self-service';
import { m011 } from './011-returns-reenroll';
import { m012 } from './012-dropoffs';
import { m013 } from './013-disk-low';
import { m014 } from './014-personal-data';
import { m015 } from './015-password-reset';
import { m016 } from './016-lost-code-confirm';
import { m017 } from './017-manifest-erasure';
import type { ServerMigration } from './types';

export type { ServerMigration };

/** The fleet server's schema history, in order. Append only: never edit a migration that has shipped. */
export const serverMigrations: readonly ServerMigration[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009, m010, m011, m012, m013, m014, m015, m016, m017];
