import { useT } from '../ui/i18n';

/** What a passer-by sees: one big obvious action, and quiet hints for staff. */
export function AttractScreen({ onPickup, onTouch }: { onPickup: () => void; onTouch: () => void }) {
  const t = useT();
  return (
    <main className="screen" onClick={onTouch} aria-labelledby="attract-title">
      <h1 id="attract-title">{t('app.title')}</h1>
      <button
        type="button"
        className="btn primary huge"
        onClick={(e) => {
          e.stopPropagation();
          onPickup();
        }}
      >
        {t('attract.pickup')}
      </button>
      <p>{t('attract.tagline')}</p>
      <div className="stack muted">
        <p>{t('attract.driverHint')}</p>
        <p>{t('attract.techHint')}</p>
      </div>
    </main>
  );
}
