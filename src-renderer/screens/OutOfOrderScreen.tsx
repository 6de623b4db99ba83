import { useT } from '../ui/i18n';

/**
 * Shown instead of the attract and home screens while the kiosk's store cannot record anything new (disk full, I/O
 * error: the `store` event). No button to press, because no new pickup or drop-off can start; a visit already at a
 * door carries on, and staff badges still reach maintenance. The kiosk comes back by itself (store-health.ts).
 */
export function OutOfOrderScreen() {
  const t = useT();
  return (
    <main className="screen" aria-labelledby="out-of-order-title" data-testid="out-of-order">
      <h1 id="out-of-order-title">{t('outOfOrder.title')}</h1>
      <p>{t('outOfOrder.body')}</p>
      <div className="stack muted">
        <p>{t('attract.techHint')}</p>
      </div>
    </main>
  );
}
