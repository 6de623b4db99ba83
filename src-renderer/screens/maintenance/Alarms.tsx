import { useSelector } from '@xstate/react';
import { useView } from '../../state/view-store';
import { useT } from '../../ui/i18n';
import { localTime } from '../../ui/local-time';
import type { MaintenanceRef } from './types';

type ShownAlarm = { key: string; id: number | null; kind: 'forced_open' | 'jammed' | 'door_left_open' | 'unexpected_item' | 'disk_low'; compartmentId: string | null; at: number };

/**
 * The alarms to show: the store's unacknowledged ones once the overview has loaded (they survive restarts and
 * another technician's sign-in); until then, the live ones this screen has heard. Every live alarm re-reads the
 * overview, so the stored list catches up within a round trip.
 */
export function useAlarmList(actor: MaintenanceRef): ShownAlarm[] {
  const stored = useSelector(actor, (s) => s.context.overview?.alarms ?? null);
  const live = useView((s) => s.alarms);
  if (stored) return stored.map((a) => ({ key: `s${a.id}`, id: a.id, kind: a.kind, compartmentId: a.compartmentId, at: Date.parse(a.at) }));
  return live.map((a) => ({ key: `l${a.at}-${a.kind}-${a.compartmentId}`, id: null, kind: a.kind, compartmentId: a.compartmentId, at: a.at }));
}

/** Unacknowledged alarms, above every tab: a technician must not miss a forced or open door. */
export function Alarms({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const alarms = useAlarmList(actor);
  const locale = useView((s) => s.locale);
  if (!alarms.length) return null;
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
          <li key={a.key} data-kind={a.kind} data-compartment={a.compartmentId ?? undefined}>
            {/* Stored alarms may be from another day (a restart, a technician who comes by later): localTime dates those. */}
            {t('tech.alarmAt', { alarm: t(`alarm.${a.kind}`, { door: a.compartmentId ?? '' }), time: localTime(locale, a.at) })}
          </li>
        ))}
      </ul>
      <button type="button" className="btn small" onClick={acknowledge}>
        {t('tech.alarmsAck')}
      </button>
    </section>
  );
}
