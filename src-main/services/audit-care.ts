import path from 'node:path';
import { AuditArchive, type ArchiveStep } from '../store/audit-archive';
import type { ChainCheck } from '../store/audit';
import type { Kit } from './kit';

/** What one audit-care tick did: the check since the last seal, and the archive step when one was due. */
export interface AuditCare {
  /** Null when the check could not run (the store refused: logged). */
  check: ChainCheck | null;
  archive: ArchiveStep | null;
}

/** The audit archive of this kiosk's data dir (`<data dir>/audit-archive`). */
export function auditArchiveOf(kit: Kit): AuditArchive {
  return new AuditArchive(kit.repos.db, kit.repos.audit, path.join(kit.ctx.dataDir, 'audit-archive'));
}

/**
 * Runs on the sweep's timer (services/index.ts): checks the audit chain from the last seal and moves the seal to the
 * head (so the technician's check only reads the last minute's entries), and archives old entries when due
 * (store/audit-archive.ts). A broken chain is logged once per break and never archived. Never throws: a full disk
 * leaves the seal and the archive for the next tick.
 */
export function auditCare(kit: Kit, archive: AuditArchive, state: { reportedBreak: number | null }): AuditCare {
  const now = kit.now();
  let result: AuditCare;
  try {
    const check = kit.repos.audit.verify({ now });
    result = { check, archive: check.ok && archive.due(now) ? archive.archive(now) : null };
  } catch (err) {
    kit.log.warn('audit care failed; next tick tries again', { error: (err as Error).message });
    return { check: null, archive: null };
  }
  if (result.check && !result.check.ok && result.check.brokenAt !== state.reportedBreak) {
    state.reportedBreak = result.check.brokenAt;
    kit.log.error('the audit chain does not verify: entries stay live, nothing is archived', { brokenAt: result.check.brokenAt });
  }
  if (result.archive && result.archive.archived > 0) kit.log.info('audit entries archived', { entries: result.archive.archived, toId: result.archive.toId });
  return result;
}
