import type { ReactNode } from 'react';
import { Bank } from './Bank';
import { useT } from './i18n';

/**
 * "Opening door A07…": the unlock is on its way and no read has said the door opened yet. Shown instead of
 * "Door A07 is open" until the operation says `opened` (ADR door-truth), with the bank drawing so the person already
 * knows where to look. `children`: the actions that apply while waiting (the driver's "didn't open").
 */
export function DoorOpening(props: { door: string; children?: ReactNode }) {
  const t = useT();
  return (
    <div className="two-col" data-testid="door-opening" data-door={props.door}>
      <Bank highlight={props.door} />
      <div className="stack" role="status" aria-live="polite">
        <div className="spinner" aria-hidden="true" style={{ alignSelf: 'center' }} />
        <h1>{t('door.opening', { door: props.door })}</h1>
        <p>{t('door.openingBody')}</p>
        {props.children}
      </div>
    </div>
  );
}
