import { useSelector } from '@xstate/react';
import { useState } from 'react';
import type { ActorRefFrom } from 'xstate';
import { type maintenanceMachine, type CompartmentView, type OperationInProgress, type SimAction } from '../flows/maintenance.machine';
import type { MessageKey } from '../i18n';
import { useView } from '../state/view-store';
import { useT } from '../ui/i18n';
import { Busy, ErrorNotice, WithReference } from '../ui/widgets';

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
      <div className="tech-header">
        <h1>{t('tech.title')}</h1>
        <div className="tabs" role="tablist">
          {TABS.map((k) => (
            <button key={k} type="button" role="tab" aria-selected={tab === k} className={`btn small${tab === k ? ' primary' : ''}`} onClick={() => setTab(k)}>
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
  const alarms = useAlarmList(actor);
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
      {c.operation ? <InProgress op={c.operation} /> : null}
      <Resolved actor={actor} compartmentId={c.id} />
      <p>{t('tech.reason')}</p>
      <div className="row" role="radiogroup" aria-label={t('tech.reason')}>
        {REASONS.map((r) => (
          <button key={r} type="button" role="radio" aria-checked={reason === r} className={`btn small${reason === r ? ' primary' : ''}`} onClick={() => setReason(r)}>
            {t(r as 'tech.reason.inspection')}
          </button>
        ))}
      </div>
      {c.operation ? (
        <div className="stack resolve">
          <p className="muted">{t('tech.resolveHint')}</p>
          <button type="button" className="btn primary" disabled={!reason} onClick={() => actor.send({ type: 'RESOLVE', compartmentId: c.id, reason: text })}>
            {t('tech.resolve')}
          </button>
        </div>
      ) : null}
      <div className="row">
        <button
          type="button"
          className="btn"
          disabled={!reason || !!c.operation}
          title={c.operation ? t('tech.openBlocked') : undefined}
          onClick={() => actor.send({ type: 'OPEN_DOOR', compartmentId: c.id, reason: text })}
        >
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

/** What holds the compartment: a technician judges from this whether the door is really open or the sensor lies. */
function InProgress({ op }: { op: OperationInProgress }) {
  const t = useT();
  const locale = useView((s) => s.locale);
  const time = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(op.openedAt ?? op.since));
  return (
    <div className="notice operation" data-testid="operation-in-progress" data-purpose={op.purpose} data-state={op.state}>
      <h3>{t('tech.operation')}</h3>
      <p>{t('tech.operationDetail', { purpose: t(`tech.purpose.${op.purpose}`), state: t(`tech.opState.${op.state}`), time })}</p>
      {op.parcelBarcode ? <p>{t('tech.operationParcel', { barcode: op.parcelBarcode })}</p> : null}
    </div>
  );
}

/** The answer to the last "Resolve" on this compartment. */
function Resolved({ actor, compartmentId }: { actor: MaintenanceRef; compartmentId: string }) {
  const t = useT();
  const r = useSelector(actor, (s) => s.context.resolved);
  if (!r || r.operation.compartmentId !== compartmentId) return null;
  return (
    <p role="status" className={`notice${r.resolution === 'failed' ? ' error' : ''}`} data-testid="resolved" data-resolution={r.resolution}>
      {r.resolution === 'finished'
        ? t('tech.resolved.finished', { door: compartmentId })
        : <WithReference text={(ref) => t('tech.resolved.failed', { door: compartmentId, reference: ref })} reference={r.operation.reference ?? '—'} />}
    </p>
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

type ShownAlarm = { key: string; id: number | null; kind: 'forced_open' | 'jammed' | 'door_left_open' | 'unexpected_item'; compartmentId: string; at: number };

/**
 * The alarms to show: the store's unacknowledged ones once the overview has loaded (they survive restarts and
 * another technician's sign-in); until then, the live ones this screen has heard. Every live alarm re-reads the
 * overview, so the stored list catches up within a round trip.
 */
function useAlarmList(actor: MaintenanceRef): ShownAlarm[] {
  const stored = useSelector(actor, (s) => s.context.overview?.alarms ?? null);
  const live = useView((s) => s.alarms);
  if (stored) return stored.map((a) => ({ key: `s${a.id}`, id: a.id, kind: a.kind, compartmentId: a.compartmentId, at: Date.parse(a.at) }));
  return live.map((a) => ({ key: `l${a.at}-${a.kind}-${a.compartmentId}`, id: null, kind: a.kind, compartmentId: a.compartmentId, at: a.at }));
}

/** Unacknowledged alarms, above every tab: a technician must not miss a forced or open door. */
function Alarms({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const alarms = useAlarmList(actor);
  const locale = useView((s) => s.locale);
  if (!alarms.length) return null;
  // Stored alarms may be from another day (a restart, a technician who comes by later): then the date matters too.
  const clock = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const dated = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
  const today = new Date().toDateString();
  const time = { format: (at: number) => (new Date(at).toDateString() === today ? clock : dated).format(at) };
  const acknowledge = () => {
    // Only what is on screen: an alarm that arrives meanwhile stays until someone has seen it.
    actor.send({ type: 'ACK_ALARMS', ids: alarms.flatMap((a) => (a.id === null ? [] : [a.id])) });
    useView.getState().acknowledgeAlarms();
  };
  return (
    <section className="notice error alarms" role="alert" aria-labelledby="alarms-title" data-testid="alarms">
      <h2 id="alarms-title">⚠ {t('tech.alarms')}</h2>
      {/* It scrolls when alarms pile up: focusable, so the list can be read with a keyboard too. */}
      <ul tabIndex={0} aria-labelledby="alarms-title">
        {alarms.map((a) => (
          <li key={a.key} data-kind={a.kind} data-compartment={a.compartmentId}>
            {t('tech.alarmAt', { alarm: t(`alarm.${a.kind}`, { door: a.compartmentId }), time: time.format(a.at) })}
          </li>
        ))}
      </ul>
      <button type="button" className="btn small" onClick={acknowledge}>
        {t('tech.alarmsAck')}
      </button>
    </section>
  );
}

function Boards({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const overview = useSelector(actor, (s) => s.context.overview);
  const selfTest = useSelector(actor, (s) => s.context.selfTest);
  const cleared = useSelector(actor, (s) => s.context.codeLockoutCleared);
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
      {/* ADR 0008: a hardened pickup keypad (code + check code) can be set back to code alone; audited, the fleet is told. */}
      <button type="button" className="btn" onClick={() => actor.send({ type: 'CLEAR_CODE_LOCKOUT' })}>
        {t('tech.clearCodeLockout')}
      </button>
      {cleared ? (
        <p role="status" data-testid="code-lockout-cleared">
          {t('tech.codeLockoutCleared', { count: cleared.keypadFailures })}
        </p>
      ) : null}
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
