import { useEffect, useState } from 'react';
import { playCue } from '../audio/cues';
import { IDLE_GRACE_MS } from '../flows/app.machine';
import { useT } from '../ui/i18n';

/** "Are you still there?" with the seconds left; any touch answers it. */
export function IdleDialog({ onStay }: { onStay: () => void }) {
  const t = useT();
  const [left, setLeft] = useState(Math.round(IDLE_GRACE_MS / 1000));
  useEffect(() => {
    playCue('reminder');
    const id = setInterval(() => setLeft((s) => Math.max(0, s - 1)), 1000);
    return () => clearInterval(id);
  }, []);
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="idle-title" aria-describedby="idle-body">
        <h1 id="idle-title">{t('idle.title')}</h1>
        <p id="idle-body">{t('idle.body', { count: left })}</p>
        <button type="button" className="btn primary huge" onClick={onStay} autoFocus>
          {t('idle.stay')}
        </button>
      </div>
    </div>
  );
}
