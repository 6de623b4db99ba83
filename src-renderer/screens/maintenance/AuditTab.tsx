import { useSelector } from '@xstate/react';
import { useState } from 'react';
import type { Audit, AuditEntry } from '../../flows/maintenance.machine';
import type { Translate } from '../../i18n';
import { useView } from '../../state/view-store';
import { useT } from '../../ui/i18n';
import { localTime } from '../../ui/local-time';
import { auditActionText } from './audit-actions';
import type { MaintenanceRef } from './types';

const ROLES = ['technician', 'driver', 'customer', 'system', 'staff'] as const;
type Role = (typeof ROLES)[number];

/** "technician:b_7jAp" → "Technician b_7jAp"; a role-only actor ("system") → "Kiosk"; anything else as stored. */
export function who(t: Translate, actor: string): string {
  const [role, ...rest] = actor.split(':');
  if (!ROLES.includes(role as Role)) return actor;
  const name = t(`tech.actor.${role as Role}`);
  return rest.length ? `${name} ${rest.join(':')}` : name;
}

/** The stored detail as "key: value" lines; text that is not a JSON object is shown as it is. */
function detailLines(detail: string): Array<[string, string]> {
  try {
    const d: unknown = JSON.parse(detail);
    if (d && typeof d === 'object' && !Array.isArray(d)) {
      return Object.entries(d as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
    }
  } catch {
    // not JSON: fall through
  }
  return detail ? [['', detail]] : [];
}

/** What the chain check says about the rows on screen: the count must match what is shown, or say both. */
function chainText(t: Translate, audit: Audit): string {
  const { chain, entries } = audit;
  if (!chain.ok) return t('tech.chainBroken', { id: chain.brokenAt ?? '?' });
  if (entries.length === chain.checked) return t('tech.chainOk', { count: chain.checked });
  return t('tech.chainOkShown', { count: chain.checked, shown: entries.length });
}

/**
 * The audit log as a technician reads it: one row per entry (local time, who, what, compartment, reference), the
 * stored detail on demand. Loaded when the tab opens; "Refresh" re-reads it.
 */
export function AuditTab({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const audit = useSelector(actor, (s) => s.context.audit);
  return (
    <>
      <div className="audit-head">
        {audit ? (
          <p role="status" data-testid="chain" className={audit.chain.ok ? '' : 'notice error'}>
            {chainText(t, audit)}
          </p>
        ) : null}
        <button type="button" className="btn small" onClick={() => actor.send({ type: 'AUDIT' })}>
          {t('tech.auditRefresh')}
        </button>
      </div>
      {audit ? (
        <div className="audit-list" data-testid="audit-list">
          {/* Column names for the eye; each row's button reads as one sentence to a screen reader. */}
          <div className="audit-row audit-columns" aria-hidden="true">
            <span>{t('tech.audit.time')}</span>
            <span>{t('tech.audit.who')}</span>
            <span>{t('tech.audit.what')}</span>
            <span>{t('tech.audit.compartment')}</span>
            <span>{t('tech.audit.reference')}</span>
          </div>
          <ul aria-label={t('tech.tab.audit')}>
            {audit.entries.map((e) => (
              <AuditRow key={e.id} e={e} />
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}

function AuditRow({ e }: { e: AuditEntry }) {
  const t = useT();
  const locale = useView((s) => s.locale);
  const [open, setOpen] = useState(false);
  const lines = open ? detailLines(e.detail) : [];
  // Human words in the row; the raw action name only in the details (known to support and the fleet's logs).
  const what = auditActionText(locale, e.action);
  return (
    <li className="audit-entry" data-testid="audit-row" data-action={e.action}>
      {/* The whole row is the toggle: a big target on a touchscreen. */}
      <button type="button" className="audit-row" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="audit-time">{localTime(locale, e.at)}</span>
        <span>{who(t, e.actor)}</span>
        <span className={what ? 'audit-what' : 'audit-what raw'}>{what ?? e.action}</span>
        <span>{e.compartmentId ?? ''}</span>
        <span className="reference">{e.reference ?? ''}</span>
      </button>
      {open ? (
        <dl className="audit-detail" data-testid="audit-detail">
          <div className="audit-detail-line">
            <dt>{t('tech.audit.entry')}</dt>
            <dd>
              #{e.id} · {e.at}
            </dd>
          </div>
          <div className="audit-detail-line">
            <dt>{t('tech.audit.event')}</dt>
            <dd className="audit-raw">{e.action}</dd>
          </div>
          {lines.map(([k, v], i) => (
            <div key={i} className="audit-detail-line">
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </li>
  );
}
