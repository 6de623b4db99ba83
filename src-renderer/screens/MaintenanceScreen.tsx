import { useSelector } from '@xstate/react';
import { useState } from 'react';
import type { ActorRefFrom } from 'xstate';
import { type maintenanceMachine, type CompartmentView } from '../flows/maintenance.machine';
import type { MessageKey } from '../i18n';
import { useT } from '../ui/i18n';
import { Busy, ErrorNotice, Notice } from '../ui/widgets';

type MaintenanceRef = ActorRefFrom<typeof maintenanceMachine>;
type Tab = 'grid' | 'boards' | 'audit' | 'sync';
const TABS: Tab[] = ['grid', 'boards', 'audit', 'sync'];
/** Typing on a kiosk touchscreen is slow: offer the common reasons as buttons (the audit log keeps the text). */
const REASONS: MessageKey[] = ['tech.reason.inspection', 'tech.reason.cleaning', 'tech.reason.customer', 'tech.reason.repair'];

export function MaintenanceScreen({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const [tab, setTab] = useState<Tab>('grid');
  const busy = useSelector(actor, (s) => s.hasTag('busy'));
  const error = useSelector(actor, (s) => s.context.error);
  const alarms = useSelector(actor, (s) => s.context.alarms);
  return (
    <main className="screen" data-screen={`maintenance-${tab}`} style={{ justifyContent: 'flex-start' }}>
      <div className="row" style={{ alignItems: 'center' }}>
        <h1>{t('tech.title')}</h1>
        <button type="button" className="btn small" onClick={() => actor.send({ type: 'EXIT' })}>
          {t('tech.signOut')}
        </button>
      </div>
      <div className="tabs" role="tablist">
        {TABS.map((k) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} className={`btn small${tab === k ? ' primary' : ''}`} onClick={() => setTab(k)}>
            {t(`tech.tab.${k}`)}
          </button>
        ))}
      </div>
      {alarms.map((a, i) => (
        <Notice key={i} tone="error">
          {t(`alarm.${a.kind}`, { door: a.compartmentId })}
        </Notice>
      ))}
      <ErrorNotice error={error} />
      <div role="tabpanel" className="stack" style={{ width: '100%', alignItems: 'center', minHeight: 0 }}>
        {busy ? <Busy /> : null}
        {tab === 'grid' ? <Grid actor={actor} /> : tab === 'boards' ? <Boards actor={actor} /> : tab === 'audit' ? <AuditTab actor={actor} /> : <SyncTab actor={actor} />}
      </div>
    </main>
  );
}

function Grid({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const overview = useSelector(actor, (s) => s.context.overview);
  const selectedId = useSelector(actor, (s) => s.context.selected);
  if (!overview) return null;
  const cols = Math.max(...overview.compartments.map((c) => c.column)) + 1;
  const selected = overview.compartments.find((c) => c.id === selectedId) ?? null;
  return (
    <>
      <div className="tech-grid" style={{ gridTemplateColumns: `repeat(${cols}, 1fr)` }} data-testid="tech-grid">
        {overview.compartments.map((c) => (
          <button
            key={c.id}
            type="button"
            className={`cell ${c.status}${c.door === 'open' ? ' door-open' : ''}`}
            style={{ gridColumn: c.column + 1, gridRow: c.row + 1 }}
            aria-pressed={c.id === selectedId}
            data-compartment={c.id}
            data-status={c.status}
            onClick={() => actor.send({ type: 'SELECT', compartmentId: c.id })}
          >
            <strong>{c.id}</strong> {c.size}
            <br />
            {t(`tech.status.${c.status}`)}
            <br />
            {t(`tech.door.${c.door}`)} · {t(c.item === null ? 'tech.item.unknown' : c.item ? 'tech.item.yes' : 'tech.item.no')}
          </button>
        ))}
      </div>
      {selected ? <Selected actor={actor} c={selected} /> : <p className="muted">{t('tech.selectHint')}</p>}
    </>
  );
}

function Selected({ actor, c }: { actor: MaintenanceRef; c: CompartmentView }) {
  const t = useT();
  const [reason, setReason] = useState<MessageKey | null>(null);
  const text = reason ? t(reason as 'tech.reason.inspection') : '';
  return (
    <section className="stack" aria-label={c.id} data-testid="tech-selected">
      <h2>
        {c.id} · {c.size} · {t(`tech.status.${c.status}`)}
        {c.parcelBarcode ? ` · ${c.parcelBarcode}` : ''}
      </h2>
      <p>{t('tech.reason')}</p>
      <div className="row" role="radiogroup" aria-label={t('tech.reason')}>
        {REASONS.map((r) => (
          <button key={r} type="button" role="radio" aria-checked={reason === r} className={`btn small${reason === r ? ' primary' : ''}`} onClick={() => setReason(r)}>
            {t(r as 'tech.reason.inspection')}
          </button>
        ))}
      </div>
      <div className="row">
        <button type="button" className="btn" disabled={!reason} onClick={() => actor.send({ type: 'OPEN_DOOR', compartmentId: c.id, reason: text })}>
          {t('tech.openDoor', { door: c.id })}
        </button>
        <button
          type="button"
          className={`btn${c.inService ? ' danger' : ' primary'}`}
          disabled={!reason}
          onClick={() => actor.send({ type: 'SET_SERVICE', compartmentId: c.id, inService: !c.inService, reason: text })}
        >
          {c.inService ? t('tech.outOfService') : t('tech.backInService')}
        </button>
      </div>
    </section>
  );
}

function Boards({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const overview = useSelector(actor, (s) => s.context.overview);
  const selfTest = useSelector(actor, (s) => s.context.selfTest);
  return (
    <>
      <ul className="list" data-testid="boards">
        {overview?.boards.map((b) => (
          <li key={b.board}>
            <span>
              <strong>{t('tech.board', { board: b.board })}</strong> · {b.online ? t('tech.boardOnline') : t('tech.boardOffline')}
              <br />
              <code>{t('tech.bits', { lock: b.lockBits, ir: b.irBits })}</code>
              <br />
              {t('tech.frames', { sent: b.framesSent, bad: b.framesBad, timeouts: b.timeouts })}
            </span>
          </li>
        ))}
      </ul>
      {overview ? <p className="muted">{overview.lockBitMeansClosed ? t('tech.polarityClosed') : t('tech.polarityOpen')}</p> : null}
      <button type="button" className="btn primary" onClick={() => actor.send({ type: 'SELF_TEST' })}>
        {t('tech.selfTest')}
      </button>
      {selfTest ? (
        <div role="status" data-testid="self-test" style={{ width: '100%' }}>
          <ul className="list">
            {selfTest.boards.map((b) => (
              <li key={b.board}>{b.ok ? t('tech.selfTestOk', { board: b.board }) : t('tech.selfTestFail', { board: b.board, detail: b.detail })}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}

function AuditTab({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const audit = useSelector(actor, (s) => s.context.audit);
  return (
    <>
      <button type="button" className="btn primary" onClick={() => actor.send({ type: 'AUDIT' })}>
        {t('tech.auditLoad')}
      </button>
      {audit ? (
        <>
          <p role="status" data-testid="chain" className={audit.chain.ok ? '' : 'notice error'}>
            {audit.chain.ok ? t('tech.chainOk', { count: audit.chain.checked }) : t('tech.chainBroken', { id: audit.chain.brokenAt ?? '?' })}
          </p>
          <ul className="list scroll">
            {audit.entries.map((e) => (
              <li key={e.id}>
                <span>
                  #{e.id} {e.at.replace('T', ' ').slice(0, 19)} · {e.actor}
                </span>
                <span>
                  {e.action} {e.detail}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

function SyncTab({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const sync = useSelector(actor, (s) => s.context.sync);
  return (
    <>
      <button type="button" className="btn primary" onClick={() => actor.send({ type: 'SYNC' })}>
        {t('tech.syncNow')}
      </button>
      {sync ? (
        <div className="stack" role="status" data-testid="sync">
          <p>{t('tech.syncStatus', { status: t(`info.connectivity.${sync.status}`) })}</p>
          <p>{sync.lastSyncAt ? t('tech.syncLast', { time: sync.lastSyncAt }) : t('tech.syncNever')}</p>
          <p>{t('tech.outbox', { count: sync.outboxDepth })}</p>
          {sync.lastError ? <p>{t('tech.syncError', { error: sync.lastError })}</p> : null}
        </div>
      ) : null}
    </>
  );
}
