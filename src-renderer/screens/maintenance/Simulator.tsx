import type { CompartmentView, SimAction } from '../../flows/maintenance.machine';
import type { MessageKey } from '../../i18n';
import { useT } from '../../ui/i18n';
import type { MaintenanceRef } from './types';

const SIM_ACTIONS: Array<{ action: SimAction; key: MessageKey }> = [
  { action: 'close', key: 'tech.sim.close' },
  { action: 'open', key: 'tech.sim.open' },
  { action: 'put-item', key: 'tech.sim.putItem' },
  { action: 'remove-item', key: 'tech.sim.removeItem' },
  { action: 'jam', key: 'tech.sim.jam' },
  { action: 'unjam', key: 'tech.sim.unjam' },
];

/**
 * Demo only (issue #3): what a person would do at the door, on the simulated board, so a visitor can walk through
 * maintenance without hardware. Set apart and labelled so nobody mistakes it for a real command, and styled as
 * simulator controls (`.demo`), never like a disabled button (issue 10 §6).
 */
export function Simulator({ actor, c }: { actor: MaintenanceRef; c: CompartmentView }) {
  const t = useT();
  return (
    <section className="sim-panel" aria-labelledby={`sim-${c.id}`} data-testid="simulator">
      <h3 id={`sim-${c.id}`}>{t('tech.sim.title')}</h3>
      <div className="row">
        {SIM_ACTIONS.map(({ action, key }) => (
          <button
            key={action}
            type="button"
            className="btn small demo"
            data-sim={action}
            onClick={() => actor.send({ type: 'SIMULATE', compartmentId: c.id, action })}
          >
            {t(key as 'tech.sim.close')}
          </button>
        ))}
      </div>
    </section>
  );
}
