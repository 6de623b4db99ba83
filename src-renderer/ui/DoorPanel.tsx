import { useEffect, type ReactNode } from 'react';
import { playCue } from '../audio/cues';
import { useView } from '../state/view-store';
import { useAppSelector } from './app-context';
import { Bank } from './Bank';
import { useT } from './i18n';
import { useKiosk } from './kiosk-context';

/**
 * "Door A07 is open": the big message, the bank drawing, the actions that apply, and in demo mode a discreet
 * control that does what a person would do at the door, so a newcomer can walk the flow without hardware.
 */
/** What the demo's simulate control does before it shuts the door: take the item out, put one in, or nothing. */
export type SimulatedAction = 'take' | 'put' | 'close';

export function DoorPanel(props: { door: string; title: string; body: string; simulate: SimulatedAction; children?: ReactNode }) {
  const t = useT();
  const kiosk = useKiosk();
  const demo = useView((s) => s.info?.demo ?? false);
  useEffect(() => playCue('door-open'), [props.door]);
  // The app machine counts reminders while this door stays open; each new one beeps again.
  const reminders = useAppSelector((s) => (s.hasTag('door-reminder') ? s.context.reminders : 0));
  useEffect(() => {
    if (reminders > 0) playCue('reminder');
  }, [reminders]);
  const simulate = async (): Promise<void> => {
    // Order matters: the item sensor changes before the door shuts, as with a real person.
    if (props.simulate !== 'close') await kiosk.simDoor({ compartmentId: props.door, action: props.simulate === 'take' ? 'remove-item' : 'put-item' });
    await kiosk.simDoor({ compartmentId: props.door, action: 'close' });
  };
  return (
    <div className="two-col" data-testid="door-panel" data-door={props.door}>
      <Bank highlight={props.door} />
      <div className="stack">
        <h1 aria-live="assertive">{props.title}</h1>
        <p>{props.body}</p>
        {reminders > 0 ? (
          <div className="notice warn" role="alert" data-testid="door-reminder">
            {t('door.closeReminder', { door: props.door })}
          </div>
        ) : null}
        {props.children}
        {demo ? (
          <button type="button" className="btn small demo" data-testid="simulate-close" onClick={() => void simulate()}>
            {t('door.simulateClose')}
          </button>
        ) : null}
      </div>
    </div>
  );
}
