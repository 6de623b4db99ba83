import { useState } from 'react';
import type { ApiError } from '../../src-shared/errors';
import { useView } from '../state/view-store';
import { useT } from '../ui/i18n';
import { localTime } from '../ui/local-time';
import { Busy, ErrorNotice, Keypad } from '../ui/widgets';

export function HomeScreen(props: { authError: ApiError | null; onPickup: () => void; onSend: () => void; onLostCode: () => void; onStaffPin: () => void; onBack: () => void }) {
  const t = useT();
  return (
    // The classes place each part in the two columns of a short landscape screen (short-landscape.css).
    <main className="screen home" aria-labelledby="home-title">
      <h1 id="home-title">{t('home.title')}</h1>
      <button type="button" className="btn primary huge home-pickup" onClick={props.onPickup}>
        {t('home.pickup')}
      </button>
      <p className="home-scan-hint">{t('home.scanHint')}</p>
      <button type="button" className="btn huge home-send" data-testid="home-send" onClick={props.onSend}>
        {t('home.send')}
      </button>
      <button type="button" className="btn home-lost" data-testid="lost-code" onClick={props.onLostCode}>
        {t('home.lostCode')}
      </button>
      <ErrorNotice error={props.authError} />
      <div className="row home-staff">
        <button type="button" className="btn" onClick={props.onBack}>
          {t('common.back')}
        </button>
        <button type="button" className="btn" onClick={props.onStaffPin}>
          {t('home.staff')}
        </button>
      </div>
      <p className="muted home-staff-hint">{t('home.staffHint')}</p>
    </main>
  );
}

/** Technician fallback when a badge will not scan. The PIN never leaves this component except to authPin. */
/**
 * The technician PIN. When PIN entry is paused (too many wrong PINs, red-team finding 3) it says so before any digit,
 * with the local time it ends and that a technician badge still works; "Sign in" stays off until then.
 */
export function PinScreen(props: { pausedUntil: string | null; onSubmit: (pin: string) => void; onCancel: () => void }) {
  const t = useT();
  const locale = useView((s) => s.locale);
  const [pin, setPin] = useState('');
  const paused = props.pausedUntil !== null && Date.parse(props.pausedUntil) > Date.now();
  return (
    <main className="screen" aria-labelledby="pin-title">
      <h1 id="pin-title">{t('pin.title')}</h1>
      {paused ? (
        <p className="notice" role="status" data-testid="pin-paused">
          {t('pin.paused', { time: localTime(locale, props.pausedUntil!) })}
        </p>
      ) : null}
      <Keypad
        value={pin}
        length={6}
        masked
        onDigit={(d) => setPin((p) => (p.length < 6 ? p + d : p))}
        onBackspace={() => setPin((p) => p.slice(0, -1))}
        onClear={() => setPin('')}
      />
      <div className="row">
        <button type="button" className="btn" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
        <button type="button" className="btn primary" disabled={pin.length < 4 || paused} onClick={() => props.onSubmit(pin)}>
          {t('pin.submit')}
        </button>
      </div>
    </main>
  );
}

export function SigningIn() {
  const t = useT();
  return (
    <main className="screen">
      <Busy label={t('home.signingIn')} />
    </main>
  );
}
