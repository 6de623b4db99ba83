import { useSelector } from '@xstate/react';
import { useState } from 'react';
import type { ActorRefFrom } from 'xstate';
import { type maintenanceMachine, type CompartmentView, type SimAction } from '../flows/maintenance.machine';
import type { MessageKey } from '../i18n';
import { useView } from '../state/view-store';
import { useT } from '../ui/i18n';
import { Busy, ErrorNotice } from '../ui/widgets';

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
  return (
    <main className="screen maintenance" data-screen={`maintenance-${tab}`}>
      <div className="row tech-header">
        <h1>{t('tech.title')}</h1>
        <div className="tabs" role="tablist">
          {TABS.map((k) => (
            <button key={k} type="button" role="tab" aria-selected={tab === k} className={`btn small${tab === k ? ' primary' : ''}`} onClick={() => setTab(k)}>
              {t(`tech.tab.${k}`)}
            </button>
          ))}
        </div>
        <button type="button" className="btn small" onClick={() => actor.send({ type: 'EXIT' })}>
          {t('tech.signOut')}
        </button>
      </div>
      <Alarms />
      <ErrorNotice error={error} />
      <div role="tabpanel" className="stack tab-panel">
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
  const alarms = useView((s) => s.alarms);
  const alarmed = new Set(alarms.map((a) => a.compartmentId));
  if (!overview) return null;
  const cols = Math.max(...overview.compartments.map((c) => c.column)) + 1;
  const selected = overview.compartments.find((c) => c.id === selectedId) ?? null;
  return (
    <div className="tech-layout">
      <div className="tech-grid" style={{ gridTemplateColumns: `repeat(${cols}, 1fr)` }} data-testid="tech-grid">
        {overview.compartments.map((c) => (
          <button
            key={c.id}
            type="button"
            className={`cell ${c.status}${c.door === 'open' ? ' door-open' : ''}${alarmed.has(c.id) ? ' alarmed' : ''}`}
            style={{ gridColumn: c.column + 1, gridRow: c.row + 1 }}
            aria-pressed={c.id === selectedId}
            data-compartment={c.id}
            data-status={c.status}
            onClick={() => actor.send({ type: 'SELECT', compartmentId: c.id })}
          >
            <span className="cell-line">
              <strong>{c.id}</strong> {c.size} · {t(`tech.status.${c.status}`)}
              {alarmed.has(c.id) ? <span className="alarm-mark"> ⚠</span> : null}
            </span>
            <span className="cell-line">
              {t(`tech.door.${c.door}`)} · {t(c.item === null ? 'tech.item.unknown' : c.item ? 'tech.item.yes' : 'tech.item.no')}
            </span>
          </button>
        ))}
      </div>
      {selected ? <Selected actor={actor} c={selected} /> : <p className="muted tech-hint">{t('tech.selectHint')}</p>}
    </div>
  );
}

function Selected({ actor, c }: { actor: MaintenanceRef; c: CompartmentView }) {
  const t = useT();
  const [reason, setReason] = useState<MessageKey | null>(null);
  const demo = useView((s) => s.info?.demo ?? false);
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
      {demo ? <Simulator actor={actor} c={c} /> : null}
    </section>
  );
}

const SIM_ACTIONS: Array<{ action: SimAction; key: MessageKey }> = [
  { action: 'close', key: 'tech.sim.close' },
  { action: 'open', key: 'tech.sim.open' },
  { action: 'put-item', key: 'tech.sim.putItem' },
  { action: 'remove-item', key: 'tech.sim.removeItem' },
  { action: 'jam', key: 'tech.sim.jam' },
  { action: 'unjam', key: 'tech.sim.unjam' },
];

/**
 * Demo only (issue #3): what a person would do at the door, on the simulated board, so a visitor can walk through
 * maintenance without hardware. Set apart and labelled so nobody mistakes it for a real command.
 */
function Simulator({ actor, c }: { actor: MaintenanceRef; c: CompartmentView }) {
  const t = useT();
  return (
    <section className="sim-panel" aria-labelledby={`sim-${c.id}`} data-testid="simulator">
      <h3 id={`sim-${c.id}`}>{t('tech.sim.title')}</h3>
      <div className="row">
        {SIM_ACTIONS.map(({ action, key }) => (
          <button
            key={action}
            type="button"
            className="btn small demo"
            data-sim={action}
            onClick={() => actor.send({ type: 'SIMULATE', compartmentId: c.id, action })}
          >
            {t(key as 'tech.sim.close')}
          </button>
        ))}
      </div>
    </section>
  );
}

/** Alarms since the last acknowledgement, above every tab: a technician must not miss a forced or open door. */
function Alarms() {
  const t = useT();
  const alarms = useView((s) => s.alarms);
  const locale = useView((s) => s.locale);
  if (!alarms.length) return null;
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return (
    <section className="notice error alarms" role="alert" aria-labelledby="alarms-title" data-testid="alarms">
      <h2 id="alarms-title">⚠ {t('tech.alarms')}</h2>
      <ul>
        {alarms.map((a) => (
          <li key={`${a.at}-${a.kind}-${a.compartmentId}`} data-kind={a.kind} data-compartment={a.compartmentId}>
            {t('tech.alarmAt', { alarm: t(`alarm.${a.kind}`, { door: a.compartmentId }), time: time.format(a.at) })}
          </li>
        ))}
      </ul>
      <button type="button" className="btn small" onClick={() => useView.getState().acknowledgeAlarms()}>
        {t('tech.alarmsAck')}
      </button>
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
