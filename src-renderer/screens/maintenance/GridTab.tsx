import { useSelector } from '@xstate/react';
import { useState } from 'react';
import type { CompartmentView, OperationInProgress } from '../../flows/maintenance.machine';
import type { MessageKey } from '../../i18n';
import { useView } from '../../state/view-store';
import { useT } from '../../ui/i18n';
import { localTime } from '../../ui/local-time';
import { WithReference } from '../../ui/widgets';
import { useAlarmList } from './Alarms';
import { Simulator } from './Simulator';
import type { MaintenanceRef } from './types';

/** Typing on a kiosk touchscreen is slow: offer the common reasons as buttons (the audit log keeps the text). */
const REASONS: MessageKey[] = ['tech.reason.inspection', 'tech.reason.cleaning', 'tech.reason.customer', 'tech.reason.repair'];

/** Every compartment as the board and the store see it, and the selected one's tools beside (landscape) or below. */
export function GridTab({ actor }: { actor: MaintenanceRef }) {
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
      {/* The bank's own columns, each at least a readable tile wide (--tile-min): in large text on a narrow screen the
          grid scrolls sideways inside its box rather than squeezing tiles until their text spills over each other. */}
      <div className="tech-grid" style={{ gridTemplateColumns: `repeat(${cols}, minmax(var(--tile-min), 1fr))` }} data-testid="tech-grid">
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
  const locale = useView((s) => s.locale);
  const text = reason ? t(reason as 'tech.reason.inspection') : '';
  return (
    <section className="stack" aria-label={c.id} data-testid="tech-selected">
      <h2>
        {c.id} · {c.size} · {t(`tech.status.${c.status}`)}
        {c.parcelBarcode ? ` · ${c.parcelBarcode}` : ''}
      </h2>
      {c.parcelExpiresAt ? (
        <p data-testid="parcel-expires">{t('tech.parcelExpires', { time: localTime(locale, c.parcelExpiresAt) })}</p>
      ) : null}
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
  const time = localTime(locale, op.openedAt ?? op.since);
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
