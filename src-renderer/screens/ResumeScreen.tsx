import type { OperationInProgress } from '../../src-shared/api/kiosk';
import { DoorPanel } from '../ui/DoorPanel';
import { useT } from '../ui/i18n';

/**
 * After a reload or a kiosk restart with a door open (issue 10 §1): "Please close door A01", with the bank drawing,
 * until main reports the operation over. No actions: nothing here belongs to whoever now stands at the screen, and a
 * driver's next parcel starts with a fresh badge scan (the scanner works on this screen).
 */
export function ResumeScreen({ op }: { op: OperationInProgress }) {
  const t = useT();
  const door = op.compartmentId;
  const delivery = op.purpose === 'dropoff';
  // A sender's drop-off (ADR drop-offs): the parcel goes in, as a driver's does.
  const send = op.purpose === 'send';
  return (
    <main className="screen" data-screen="resume" data-door={door}>
      <DoorPanel
        door={door}
        title={t('resume.title', { door })}
        body={t(delivery ? 'resume.bodyDelivery' : send ? 'resume.bodySend' : 'resume.body', { door })}
        simulate={delivery || send ? 'put' : 'take'}
      />
    </main>
  );
}
