import type { OperationInProgress } from '../../src-shared/api/kiosk';
import type { MessageKey, PluralKey } from '../i18n';
import { DoorPanel, type SimulatedAction } from '../ui/DoorPanel';
import { useT } from '../ui/i18n';

/** Every purpose the door journal knows (`door_operations.purpose`, the API's DoorOpPurpose). */
export type ResumePurpose = OperationInProgress['purpose'];
type Text = Exclude<MessageKey, PluralKey>;

/**
 * What "this door is still open" says for each purpose, and what the demo's simulate control does there. A Record, so
 * a purpose added to the journal without its text does not compile (tests/renderer/resume-texts.test.ts also holds
 * these keys equal to the kiosk schema's CHECK list). Staff operations never get a customer's words or action: a
 * reload during a technician's service opening once said "Take your parcel" (red-team finding 2, issue 10).
 */
export const RESUME_TEXT: Record<ResumePurpose, { title: Text; body: Text; simulate: SimulatedAction }> = {
  pickup: { title: 'resume.title', body: 'resume.body', simulate: 'take' },
  dropoff: { title: 'resume.title', body: 'resume.bodyDelivery', simulate: 'put' },
  // A sender's drop-off (ADR drop-offs): the parcel goes in, as a driver's does.
  send: { title: 'resume.title', body: 'resume.bodySend', simulate: 'put' },
  // A driver taking expired and outgoing parcels away: the parcels come out.
  collection: { title: 'resume.title', body: 'resume.bodyCollection', simulate: 'take' },
  // A technician's service opening: nothing goes in or out, the door only closes.
  maintenance: { title: 'resume.titleMaintenance', body: 'resume.bodyMaintenance', simulate: 'close' },
};

/**
 * After a reload or a kiosk restart with a door open (issue 10 §1): "Please close door A01" in the words of the
 * operation's purpose, with the bank drawing, until main reports the operation over. No actions: nothing here belongs
 * to whoever now stands at the screen, and a staff member's next step starts with a fresh badge scan (the scanner
 * works on this screen).
 */
export function ResumeScreen({ op }: { op: OperationInProgress }) {
  const t = useT();
  const door = op.compartmentId;
  const text = RESUME_TEXT[op.purpose];
  return (
    <main className="screen" data-screen="resume" data-door={door} data-purpose={op.purpose}>
      <DoorPanel door={door} title={t(text.title, { door })} body={t(text.body, { door })} simulate={text.simulate} />
    </main>
  );
}
