import { useSelector } from '@xstate/react';
import { useView } from '../../state/view-store';
import { useT } from '../../ui/i18n';
import { localTime } from '../../ui/local-time';
import type { MaintenanceRef } from './types';

/** Sync state, read when the tab opens; "Sync now" forces a sync (audited) and shows the state after it. */
export function SyncTab({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const sync = useSelector(actor, (s) => s.context.sync);
  const locale = useView((s) => s.locale);
  return (
    <>
      {sync ? (
        <div className="stack" role="status" data-testid="sync">
          <p>{t('tech.syncStatus', { status: t(`info.connectivity.${sync.status}`) })}</p>
          <p data-testid="sync-last">{sync.lastSyncAt ? t('tech.syncLast', { time: localTime(locale, sync.lastSyncAt) }) : t('tech.syncNever')}</p>
          <p>{t('tech.outbox', { count: sync.outboxDepth })}</p>
          {sync.lastError ? <p>{t('tech.syncError', { error: sync.lastError })}</p> : null}
        </div>
      ) : null}
      <button type="button" className="btn primary" onClick={() => actor.send({ type: 'SYNC' })}>
        {t('tech.syncNow')}
      </button>
    </>
  );
}
