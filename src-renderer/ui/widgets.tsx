import { Fragment, useEffect, type ReactNode } from 'react';
import type { ApiError } from '../../src-shared/errors';
import { playCue } from '../audio/cues';
import { errorKey } from '../i18n';
import { useT } from './i18n';

/** Every wait shows that something is happening, and says what. */
export function Busy({ label }: { label?: string }) {
  const t = useT();
  return (
    <div className="stack" role="status" aria-live="polite" style={{ alignItems: 'center' }}>
      <div className="spinner" aria-hidden="true" />
      <p>{label ?? t('common.busy')}</p>
    </div>
  );
}

/** An API error in the visitor's language, announced and beeped, with room for the next step below it. */
export function ErrorNotice({ error, children }: { error: ApiError | null; children?: ReactNode }) {
  const t = useT();
  useEffect(() => {
    if (error) playCue('error');
  }, [error]);
  if (!error) return null;
  return (
    <div className="notice error" role="alert" data-testid="error" data-code={error.code}>
      <p>{t(errorKey(error.code))}</p>
      {children}
    </div>
  );
}

export function Notice({ children, tone = 'warn' }: { children: ReactNode; tone?: 'warn' | 'error' }) {
  return (
    <div className={`notice ${tone}`} role="status">
      {children}
    </div>
  );
}

/** The six boxes plus keypad used for pickup codes and staff PINs. */
export function Keypad(props: {
  value: string;
  length: number;
  masked?: boolean;
  disabled?: boolean;
  onDigit: (d: string) => void;
  onBackspace: () => void;
  onClear: () => void;
  /** Shown beside the boxes, on their line (the pickup keypad's check-code boxes when it is hardened). */
  beside?: ReactNode;
  /** Shown instead of the boxes, for entries of no fixed length (a phone number). */
  readout?: ReactNode;
}) {
  const t = useT();
  const { value, length } = props;
  return (
    // keypad-entry: the screens around it lay themselves out by it (keypad-screen.css).
    <div className="stack keypad-entry">
      {props.readout ?? (
        <div className={props.beside ? 'row keypad-readout with-beside' : 'row keypad-readout'}>
          <div className="code-boxes" role="status" aria-label={t('keypad.progress', { count: value.length, total: length })} data-testid="code-boxes">
            {Array.from({ length }, (_, i) => (
              <span key={i} className={`code-box${i < value.length ? ' filled' : ''}`} aria-hidden="true">
                {i < value.length ? (props.masked ? '•' : value[i]) : ''}
              </span>
            ))}
          </div>
          {props.beside}
        </div>
      )}
      <div className="keypad" role="group" aria-label={t('keypad.label')}>
        {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => (
          <button key={d} type="button" className="btn" disabled={props.disabled} onClick={() => props.onDigit(d)}>
            {d}
          </button>
        ))}
        <button type="button" className="btn" disabled={props.disabled} onClick={props.onClear} style={{ fontSize: '0.8em' }}>
          {t('keypad.clear')}
        </button>
        <button type="button" className="btn" disabled={props.disabled} onClick={() => props.onDigit('0')}>
          0
        </button>
        <button type="button" className="btn" disabled={props.disabled} onClick={props.onBackspace} aria-label={t('keypad.backspace')}>
          ⌫
        </button>
      </div>
    </div>
  );
}

const REF_MARK = '\u0000ref\u0000';

/**
 * A translated sentence with a fault reference (R-XXXXXX) in it, the reference in its own element so it never
 * breaks across lines at its hyphen. `text` is the translation with the marker it is given in place of the reference.
 */
export function WithReference({ text, reference }: { text: (reference: string) => string; reference: string }) {
  const parts = text(REF_MARK).split(REF_MARK);
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 ? <span className="reference">{reference}</span> : null}
        </Fragment>
      ))}
    </>
  );
}
