import { useSelector } from '@xstate/react';
import type { Tab } from '../flows/maintenance.machine';
import { useT } from '../ui/i18n';
import { Busy, ErrorNotice } from '../ui/widgets';
import { Alarms } from './maintenance/Alarms';
import { AuditTab } from './maintenance/AuditTab';
import { BoardsTab } from './maintenance/BoardsTab';
import { GridTab } from './maintenance/GridTab';
import { SyncTab } from './maintenance/SyncTab';
import type { MaintenanceRef } from './maintenance/types';

const TABS: Tab[] = ['grid', 'boards', 'audit', 'sync'];

/**
 * The technician's screen: title, tabs and sign-out; the unacknowledged alarms above every tab; one tab's panel
 * (each in `maintenance/`). The open tab lives in the machine, which loads what a tab shows when it is opened.
 */
export function MaintenanceScreen({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const tab = useSelector(actor, (s) => s.context.tab);
  const busy = useSelector(actor, (s) => s.hasTag('busy'));
  const error = useSelector(actor, (s) => s.context.error);
  return (
    <main className="screen maintenance" data-screen={`maintenance-${tab}`}>
      <div className="tech-header">
        <h1>{t('tech.title')}</h1>
        <div className="tabs" role="tablist">
          {TABS.map((k) => (
            <button
              key={k}
              type="button"
              role="tab"
              aria-selected={tab === k}
              className={`btn small${tab === k ? ' primary' : ''}`}
              onClick={() => actor.send({ type: 'OPEN_TAB', tab: k })}
            >
              {t(`tech.tab.${k}`)}
            </button>
          ))}
        </div>
        <button type="button" className="btn small tech-exit" onClick={() => actor.send({ type: 'EXIT' })}>
          {t('tech.signOut')}
        </button>
      </div>
      <Alarms actor={actor} />
      <ErrorNotice error={error} />
      <div role="tabpanel" className={`stack tab-panel tab-${tab}`}>
        {busy ? <Busy /> : null}
        {tab === 'grid' ? <GridTab actor={actor} /> : tab === 'boards' ? <BoardsTab actor={actor} /> : tab === 'audit' ? <AuditTab actor={actor} /> : <SyncTab actor={actor} />}
      </div>
    </main>
  );
}
