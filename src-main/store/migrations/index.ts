import type { Migration } from '../sqlite';
import { m001 } from './001-meta';
import { m002 } from './002-core';
import { m003 } from './003-alarms';
import { m004 } from './004-code-factors';
import { m005 } from './005-unexpected-item';
import { m006 } from './006-remote-commands';
import { m007 } from './007-customer-self-service';
import { m008 } from './008-return-to-sender';
import { m009 } from './009-dropoffs';
import { m010 } from './010-flat-history';
import { m011 } from './011-disk-bounds';
import { m012 } from './012-personal-data';

/** The kiosk's schema history, in order. Append only: never edit a migration that has shipped. */
export const kioskMigrations: readonly Migration[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009, m010, m011, m012];
