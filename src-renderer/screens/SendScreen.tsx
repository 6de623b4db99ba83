import { useSelector } from '@xstate/react';
import { useEffect } from 'react';
import type { ActorRefFrom } from 'xstate';
import { playCue } from '../audio/cues';
import { CHECK_LENGTH, CODE_LENGTH } from '../flows/pickup.machine';
import type { sendMachine } from '../flows/send.machine';
import { DoorOpening } from '../ui/DoorOpening';
import { DoorPanel } from '../ui/DoorPanel';
import { useT } from '../ui/i18n';
import { Busy, ErrorNotice, Keypad, Notice, WithReference } from '../ui/widgets';

type SendRef = ActorRefFrom<typeof sendMachine>;

/** "Send or return a parcel" (ADR drop-offs); which screen shows is the send machine's state, never decided here. */
export function SendScreen({ actor }: { actor: SendRef }) {
  const t = useT();
  const view = useSelector(actor, (s) =>
    s.matches({ door: 'opening' })
      ? 'opening'
      : s.matches('door')
        ? 'door'
        : s.matches('receipt')
          ? 'receipt'
          : s.matches('asking') || s.matches('answering')
            ? 'asking'
            : s.matches('empty')
              ? 'empty'
              : s.matches('noBigger')
                ? 'noBigger'
                : s.matches('doorFault')
                  ? 'fault'
                  : s.hasTag('busy')
                    ? 'busy'
                    : 'entering',
  );
  let body;
  switch (view) {
    case 'opening':
      body = <Opening actor={actor} />;
      break;
    case 'door':
      body = <OpenDoor actor={actor} />;
      break;
    case 'receipt':
      body = <Receipt actor={actor} />;
      break;
    case 'asking':
      body = <Asking actor={actor} />;
      break;
    case 'empty':
      body = <Empty actor={actor} />;
      break;
    case 'noBigger':
      body = <Ended actor={actor} title={t('send.noBigger')} />;
      break;
    case 'fault':
      body = <Fault actor={actor} />;
      break;
    case 'busy':
      body = <Busy label={t('send.checking')} />;
      break;
    default:
      body = <Entering actor={actor} />;
  }
  return (
    <main className="screen" data-screen={`send-${view}`}>
      {body}
    </main>
  );
}

function Entering({ actor }: { actor: SendRef }) {
  const t = useT();
  const code = useSelector(actor, (s) => s.context.code);
  const check = useSelector(actor, (s) => s.context.check);
  const checkRequired = useSelector(actor, (s) => s.context.checkRequired);
  const error = useSelector(actor, (s) => s.context.error);
  const complete = code.length === CODE_LENGTH && (!checkRequired || check.length === CHECK_LENGTH);
  return (
    <>
      <h1 data-testid="send-title">{checkRequired ? t('send.checkTitle') : t('send.title')}</h1>
      {checkRequired ? (
        <p role="status" data-testid="check-required" style={{ margin: 0 }}>
          {t('pickup.checkHint')}
        </p>
      ) : (
        <p className="muted">{t('send.scanHint')}</p>
      )}
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
          {t('send.submit')}
        </button>
      </div>
    </>
  );
}

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

/** The unlock is on its way; only a read of the door says it opened (ADR door-truth). */
function Opening({ actor }: { actor: SendRef }) {
  const door = useSelector(actor, (s) => s.context.started?.where.compartmentId ?? '');
  return <DoorOpening door={door} />;
}

/** "Door A03 is open: put your parcel in and close the door", with "Doesn't fit" and, without item sensors, "I put it in". */
function OpenDoor({ actor }: { actor: SendRef }) {
  const t = useT();
  const door = useSelector(actor, (s) => s.context.started?.where.compartmentId ?? '');
  const confirmNeeded = useSelector(actor, (s) => s.context.started?.confirmNeeded === true);
  const confirmed = useSelector(actor, (s) => s.context.confirmed);
  const confirming = useSelector(actor, (s) => s.matches({ door: 'confirming' }));
  const error = useSelector(actor, (s) => s.context.error);
  return (
    <DoorPanel door={door} title={t('door.openTitle', { door })} body={t(confirmNeeded ? 'send.doorBodyConfirm' : 'send.doorBody')} simulate="put">
      <ErrorNotice error={error} />
      {confirmed ? <Notice tone="warn">{t('send.confirmed')}</Notice> : null}
      <div className="row">
        {confirmNeeded && !confirmed ? (
          <button type="button" className="btn primary" data-testid="send-put-in" disabled={confirming} onClick={() => actor.send({ type: 'PUT_IN' })}>
            {t('send.putIn')}
          </button>
        ) : null}
        <button type="button" className="btn" data-testid="send-doesnt-fit" onClick={() => actor.send({ type: 'DOESNT_FIT' })}>
          {t('send.doesntFit')}
        </button>
      </div>
    </DoorPanel>
  );
}

/** The receipt: the reference in large type (the sender gets it by message too). */
function Receipt({ actor }: { actor: SendRef }) {
  const t = useT();
  const door = useSelector(actor, (s) => s.context.op?.compartmentId ?? s.context.started?.where.compartmentId ?? '');
  const receipt = useSelector(actor, (s) => s.context.op?.reference ?? '—');
  useEffect(() => playCue('success'), []);
  return (
    <>
      <h1 aria-live="polite">{t('send.receiptTitle', { door })}</h1>
      <div className="notice" role="status" data-testid="send-receipt">
        <p className="muted" style={{ margin: 0 }}>
          {t('send.receiptLabel')}
        </p>
        <p className="receipt-ref" data-testid="receipt-ref">
          {receipt}
        </p>
        <p style={{ margin: 0 }}>{t('send.receiptBody')}</p>
      </div>
      <AfterSend actor={actor} />
    </>
  );
}

/** Door closed before "I put it in" (no item sensors): only the person can say. */
function Asking({ actor }: { actor: SendRef }) {
  const t = useT();
  // The closed operation's door: a visit resumed at this question after a reload has no `started`.
  const door = useSelector(actor, (s) => s.context.op?.compartmentId ?? s.context.started?.where.compartmentId ?? '');
  const busy = useSelector(actor, (s) => s.matches('answering'));
  const error = useSelector(actor, (s) => s.context.error);
  return (
    <>
      <h1 aria-live="polite">{t('send.askTitle', { door })}</h1>
      <ErrorNotice error={error} />
      <div className="stack">
        <button type="button" className="btn primary huge" data-testid="send-yes-inside" disabled={busy} onClick={() => actor.send({ type: 'INSIDE', inside: true })}>
          {t('send.yesInside')}
        </button>
        <button type="button" className="btn" data-testid="send-not-inside" disabled={busy} onClick={() => actor.send({ type: 'INSIDE', inside: false })}>
          {t('send.notInside')}
        </button>
      </div>
    </>
  );
}

function Empty({ actor }: { actor: SendRef }) {
  const t = useT();
  const door = useSelector(actor, (s) => s.context.op?.compartmentId ?? s.context.started?.where.compartmentId ?? '');
  const declined = useSelector(actor, (s) => s.context.declined);
  return (
    <>
      <h1 aria-live="polite">{declined ? t('send.notInsideDone') : t('send.emptyTitle', { door })}</h1>
      {declined ? null : <p>{t('send.emptyBody')}</p>}
      <AfterSend actor={actor} />
    </>
  );
}

function Ended({ actor, title }: { actor: SendRef; title: string }) {
  useEffect(() => playCue('error'), []);
  return (
    <>
      <h1 aria-live="polite" data-testid="send-ended">
        {title}
      </h1>
      <AfterSend actor={actor} />
    </>
  );
}

function Fault({ actor }: { actor: SendRef }) {
  const t = useT();
  const door = useSelector(actor, (s) => s.context.started?.where.compartmentId ?? '');
  const reference = useSelector(actor, (s) => s.context.op?.reference ?? '—');
  const noAnswer = useSelector(actor, (s) => s.context.op !== null && s.context.op.state !== 'failed' && s.context.op.outcome === 'jammed');
  useEffect(() => playCue('error'), []);
  return (
    <>
      <h1>{t(noAnswer ? 'door.noAnswerTitle' : 'door.faultTitle', { door })}</h1>
      <div className="notice error" role="alert" data-testid="door-fault">
        <p>
          <WithReference text={(r) => t('door.faultBody', { reference: r, door })} reference={reference} />
        </p>
      </div>
      <AfterSend actor={actor} />
    </>
  );
}

function AfterSend({ actor }: { actor: SendRef }) {
  const t = useT();
  return (
    <div className="stack">
      <button type="button" className="btn primary" data-testid="send-finish" onClick={() => actor.send({ type: 'FINISH' })}>
        {t('send.finish')}
      </button>
      <button type="button" className="btn" onClick={() => actor.send({ type: 'NEXT_CODE' })}>
        {t('send.another')}
      </button>
    </div>
  );
}
