import { useSelector } from '@xstate/react';
import { useEffect } from 'react';
import type { ActorRefFrom } from 'xstate';
import { playCue } from '../audio/cues';
import { CHECK_LENGTH, CODE_LENGTH, faultReference, type pickupMachine, type ProblemKind } from '../flows/pickup.machine';
import { DoorOpening } from '../ui/DoorOpening';
import { DoorPanel } from '../ui/DoorPanel';
import { useT } from '../ui/i18n';
import { Busy, ErrorNotice, Keypad, WithReference } from '../ui/widgets';

type PickupRef = ActorRefFrom<typeof pickupMachine>;
const PROBLEMS: ProblemKind[] = ['damaged', 'missing', 'wrong_parcel', 'door_problem', 'other'];

/** The customer's screens; which one shows is decided by the pickup machine's state, never here. */
export function PickupScreen({ actor }: { actor: PickupRef }) {
  const view = useSelector(actor, (s) =>
    s.matches({ door: 'opening' })
      ? 'opening'
      : s.matches('door')
      ? 'door'
      : s.matches('closed')
        ? 'closed'
        : s.matches('doorFault')
          ? 'fault'
          : s.matches('reporting')
            ? 'report'
            : s.hasTag('busy')
              ? 'busy'
              : 'entering',
  );
  const openingNext = useSelector(actor, (s) => s.matches('openingNext'));
  const t = useT();
  let body;
  switch (view) {
    case 'opening':
      body = <Opening actor={actor} />;
      break;
    case 'door':
      body = <OpenDoor actor={actor} />;
      break;
    case 'closed':
      body = <Closed actor={actor} />;
      break;
    case 'fault':
      body = <Fault actor={actor} />;
      break;
    case 'report':
      body = <Report actor={actor} />;
      break;
    case 'busy':
      body = <Busy label={t(openingNext ? 'pickup.openingNext' : 'pickup.checking')} />;
      break;
    default:
      body = <Entering actor={actor} />;
  }
  return (
    <main className="screen" data-screen={`pickup-${view}`}>
      {body}
    </main>
  );
}

function Entering({ actor }: { actor: PickupRef }) {
  const t = useT();
  const code = useSelector(actor, (s) => s.context.code);
  const check = useSelector(actor, (s) => s.context.check);
  const checkRequired = useSelector(actor, (s) => s.context.checkRequired);
  const error = useSelector(actor, (s) => s.context.error);
  const reenterDoor = useSelector(actor, (s) => s.context.reenterDoor);
  const complete = code.length === CODE_LENGTH && (!checkRequired || check.length === CHECK_LENGTH);
  return (
    <>
      <h1 data-testid="pickup-title">{reenterDoor ? t('pickup.reenterTitle', { door: reenterDoor }) : checkRequired ? t('pickup.checkTitle') : t('pickup.title')}</h1>
      {reenterDoor ? (
        <p className="muted" data-testid="reenter-hint" style={{ margin: 0 }}>
          {t('pickup.reenterHint')}
        </p>
      ) : null}
      {checkRequired ? (
        // Said plainly and from the start (ADR 0008 (code lockout)): never a keypad that refuses only after six digits.
        <p role="status" data-testid="check-required" style={{ margin: 0 }}>
          {t('pickup.checkHint')}
        </p>
      ) : reenterDoor ? null : (
        <p className="muted">{t('pickup.scanHint')}</p>
      )}
      {/* A CHECK_REQUIRED answer is what the line above already says; other errors show as they are. */}
      <ErrorNotice error={error?.code === 'CHECK_REQUIRED' ? null : error} />
      <Keypad
        value={code}
        length={CODE_LENGTH}
        onDigit={(digit) => {
          playCue('key');
          actor.send({ type: 'DIGIT', digit });
        }}
        onBackspace={() => actor.send({ type: 'BACKSPACE' })}
        onClear={() => actor.send({ type: 'CLEAR' })}
        beside={checkRequired ? <CheckBoxes value={check} label={t('pickup.checkLabel')} /> : null}
      />
      <div className="row">
        <button type="button" className="btn" onClick={() => actor.send({ type: 'FINISH' })}>
          {t('common.back')}
        </button>
        <button type="button" className="btn primary" disabled={!complete} onClick={() => actor.send({ type: 'SUBMIT' })}>
          {t('pickup.submit')}
        </button>
      </div>
    </>
  );
}

/** The check code's boxes, beside the code's, filled as digits go past the code's sixth. */
function CheckBoxes({ value, label }: { value: string; label: string }) {
  return (
    <div className="stack" style={{ alignItems: 'center', gap: '0.25em' }}>
      <span className="muted">{label}</span>
      <div className="code-boxes" role="status" aria-label={label} data-testid="check-boxes">
        {Array.from({ length: CHECK_LENGTH }, (_, i) => (
          <span key={i} className={`code-box${i < value.length ? ' filled' : ''}`} aria-hidden="true">
            {value[i] ?? ''}
          </span>
        ))}
      </div>
    </div>
  );
}

function OpenDoor({ actor }: { actor: PickupRef }) {
  const t = useT();
  const door = useSelector(actor, (s) => s.context.started?.where.compartmentId ?? '');
  const more = useSelector(actor, (s) => s.context.started?.moreWaiting ?? 0);
  return (
    <DoorPanel door={door} title={t('door.openTitle', { door })} body={t('door.openBody')} simulate="take">
      {more > 0 ? <MoreWaiting count={more} hint /> : null}
    </DoorPanel>
  );
}

/** "1 more parcel waits for you here": a count only (ADR customer-self-service), never anything about those parcels. */
function MoreWaiting({ count, hint }: { count: number; hint?: boolean }) {
  const t = useT();
  return (
    <div className="notice warn" role="status" data-testid="more-waiting" data-count={count}>
      <p style={{ margin: 0, fontWeight: 700 }}>{t('pickup.moreWaiting', { count })}</p>
      {hint ? <p style={{ margin: 0 }}>{t('pickup.moreWaitingHint')}</p> : null}
    </div>
  );
}

/** The unlock is on its way; only a read of the door says it opened (ADR door-truth). */
function Opening({ actor }: { actor: PickupRef }) {
  const door = useSelector(actor, (s) => s.context.started?.where.compartmentId ?? '');
  return <DoorOpening door={door} />;
}

function Closed({ actor }: { actor: PickupRef }) {
  const t = useT();
  const door = useSelector(actor, (s) => s.context.started?.where.compartmentId ?? '');
  const itemLeft = useSelector(actor, (s) => s.context.op?.outcome === 'item_left');
  const error = useSelector(actor, (s) => s.context.error);
  const more = useSelector(actor, (s) => (s.context.op?.outcome === 'completed' ? (s.context.started?.moreWaiting ?? 0) : 0));
  useEffect(() => {
    if (!itemLeft) playCue('success');
  }, [itemLeft]);
  return (
    <>
      <h1 aria-live="polite">{itemLeft ? t('pickup.itemLeft', { door }) : t('pickup.doneTitle', { door })}</h1>
      <ErrorNotice error={error} />
      {more > 0 ? <MoreWaiting count={more} /> : null}
      <div className="stack">
        {more > 0 ? (
          <button type="button" className="btn primary" data-testid="open-next" onClick={() => actor.send({ type: 'OPEN_NEXT' })}>
            {t('pickup.openNext')}
          </button>
        ) : null}
        <AfterPickup actor={actor} primary={more > 0 ? 'NONE' : 'NEXT_CODE'} />
        {/* Never opens a door by itself: it leads to code entry for this door (ADR 0008 (code lockout)). */}
        <button type="button" className="btn" data-testid="closed-too-soon" onClick={() => actor.send({ type: 'REENTER' })}>
          {t('pickup.closedTooSoon')}
        </button>
      </div>
    </>
  );
}

/** What comes after a door: another code, a problem report, or done. One action leads (the screen's likeliest next step). */
function AfterPickup({ actor, primary }: { actor: PickupRef; primary: 'NEXT_CODE' | 'REPORT' | 'NONE' }) {
  const t = useT();
  const next = (
    <button key="next" type="button" className={primary === 'NEXT_CODE' ? 'btn primary' : 'btn'} onClick={() => actor.send({ type: 'NEXT_CODE' })}>
      {t('pickup.nextCode')}
    </button>
  );
  const report = (
    <button key="report" type="button" className={primary === 'REPORT' ? 'btn primary' : 'btn'} onClick={() => actor.send({ type: 'REPORT' })}>
      {t('report.button')}
    </button>
  );
  return (
    <>
      {primary === 'REPORT' ? [report, next] : [next, report]}
      <button type="button" className="btn" onClick={() => actor.send({ type: 'FINISH' })}>
        {t('pickup.finish')}
      </button>
    </>
  );
}

function Fault({ actor }: { actor: PickupRef }) {
  const t = useT();
  const door = useSelector(actor, (s) => s.context.started?.where.compartmentId ?? '');
  const reference = useSelector(actor, (s) => faultReference(s.context) ?? '—');
  // The board did not answer: nobody knows whether the door opened, and the screen must not claim either.
  const noAnswer = useSelector(actor, (s) => s.context.op !== null && s.context.op.state !== 'failed' && s.context.op.outcome === 'jammed');
  useEffect(() => playCue('error'), []);
  return (
    <>
      <h1>{door ? t(noAnswer ? 'door.noAnswerTitle' : 'door.faultTitle', { door }) : t('error.DOOR_FAULT')}</h1>
      <div className="notice error" role="alert" data-testid="door-fault" data-fault={noAnswer ? 'no-answer' : 'did-not-open'}>
        <p>
          <WithReference text={(r) => t(noAnswer ? 'door.noAnswerBody' : 'door.faultBody', { reference: r, door })} reference={reference} />
        </p>
      </div>
      <div className="stack">
        <AfterPickup actor={actor} primary="REPORT" />
      </div>
    </>
  );
}

function Report({ actor }: { actor: PickupRef }) {
  const t = useT();
  const step = useSelector(actor, (s) => (s.matches({ reporting: 'sent' }) ? 'sent' : s.hasTag('busy') ? 'sending' : 'choosing'));
  const reference = useSelector(actor, (s) => s.context.reportReference ?? '');
  const error = useSelector(actor, (s) => s.context.error);
  if (step === 'sending') return <Busy />;
  if (step === 'sent') {
    return (
      <>
        <h1 aria-live="polite">
          <WithReference text={(r) => t('report.sent', { reference: r })} reference={reference} />
        </h1>
        <div className="stack">
          <button type="button" className="btn primary" onClick={() => actor.send({ type: 'NEXT_CODE' })}>
            {t('pickup.nextCode')}
          </button>
          <button type="button" className="btn" onClick={() => actor.send({ type: 'FINISH' })}>
            {t('pickup.finish')}
          </button>
        </div>
      </>
    );
  }
  return (
    <>
      <h1>{t('report.title')}</h1>
      <ErrorNotice error={error} />
      <div className="stack">
        {PROBLEMS.map((kind) => (
          <button key={kind} type="button" className="btn" onClick={() => actor.send({ type: 'REPORT_KIND', kind })}>
            {t(`report.${kind}`)}
          </button>
        ))}
        <button type="button" className="btn" onClick={() => actor.send({ type: 'CANCEL' })}>
          {t('common.cancel')}
        </button>
      </div>
    </>
  );
}
