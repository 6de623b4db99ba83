import { useSelector } from '@xstate/react';
import type { ActorRefFrom } from 'xstate';
import { playCue } from '../audio/cues';
import { PHONE_MIN_DIGITS, type lostCodeMachine } from '../flows/lostcode.machine';
import { useT } from '../ui/i18n';
import { Busy, ErrorNotice, Keypad } from '../ui/widgets';

type LostCodeRef = ActorRefFrom<typeof lostCodeMachine>;

/**
 * "I lost my code" (ADR customer-self-service). Which screen shows is the machine's state. The answer screen says the
 * same whatever the server found: it never tells whether a parcel waits for the number (no enumeration).
 */
export function LostCodeScreen({ actor }: { actor: LostCodeRef }) {
  const view = useSelector(actor, (s) => (s.hasTag('busy') ? 'busy' : s.matches('sent') ? 'sent' : s.matches('unconfirmed') ? 'unconfirmed' : s.matches('limited') ? 'limited' : s.matches('offline') ? 'offline' : 'entering'));
  const t = useT();
  let body;
  switch (view) {
    case 'busy':
      body = <Busy label={t('lostCode.sending')} />;
      break;
    case 'sent':
    case 'unconfirmed':
    case 'limited':
    case 'offline':
      body = <Answer actor={actor} view={view} />;
      break;
    default:
      body = <Entering actor={actor} />;
  }
  return (
    <main className="screen" data-screen={`lost-code-${view}`}>
      {body}
    </main>
  );
}

function Entering({ actor }: { actor: LostCodeRef }) {
  const t = useT();
  const digits = useSelector(actor, (s) => s.context.digits);
  const error = useSelector(actor, (s) => s.context.error);
  return (
    <>
      <h1 id="lost-code-title">{t('lostCode.title')}</h1>
      <p className="muted" style={{ margin: 0 }}>
        {t('lostCode.hint')}
      </p>
      <ErrorNotice error={error} />
      <Keypad
        value={digits}
        length={digits.length}
        readout={
          <output className="phone-readout" aria-labelledby="lost-code-title" data-testid="phone-readout">
            +{digits}
          </output>
        }
        onDigit={(digit) => {
          playCue('key');
          actor.send({ type: 'DIGIT', digit });
        }}
        onBackspace={() => actor.send({ type: 'BACKSPACE' })}
        onClear={() => actor.send({ type: 'CLEAR' })}
      />
      <div className="row">
        <button type="button" className="btn" onClick={() => actor.send({ type: 'FINISH' })}>
          {t('common.back')}
        </button>
        <button type="button" className="btn primary" disabled={digits.length < PHONE_MIN_DIGITS} onClick={() => actor.send({ type: 'SUBMIT' })}>
          {t('lostCode.submit')}
        </button>
      </div>
    </>
  );
}

const ANSWER = {
  sent: ['lostCode.sentTitle', 'lostCode.sentBody'],
  unconfirmed: ['lostCode.unconfirmedTitle', 'lostCode.unconfirmedBody'],
  limited: ['lostCode.limitedTitle', 'lostCode.limitedBody'],
  offline: ['lostCode.offlineTitle', 'lostCode.offlineBody'],
} as const;

/** One text per outcome the person can act on; `sent` is the same sentence whether or not a parcel was found. */
function Answer({ actor, view }: { actor: LostCodeRef; view: keyof typeof ANSWER }) {
  const t = useT();
  const [title, text] = ANSWER[view];
  const calm = view === 'sent' || view === 'unconfirmed';
  return (
    <>
      <h1 aria-live="polite" data-testid="lost-code-answer" data-outcome={view}>
        {t(title)}
      </h1>
      <p className={calm ? '' : 'notice warn'} role={calm ? 'status' : 'alert'}>
        {t(text)}
      </p>
      <div className="stack">
        {view === 'offline' ? (
          <button type="button" className="btn" onClick={() => actor.send({ type: 'RETRY' })}>
            {t('lostCode.retry')}
          </button>
        ) : null}
        <button type="button" className="btn primary" onClick={() => actor.send({ type: 'FINISH' })}>
          {t('pickup.finish')}
        </button>
      </div>
    </>
  );
}
