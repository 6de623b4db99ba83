import { useSelector } from '@xstate/react';
import type { ActorRefFrom } from 'xstate';
import { type collectionMachine } from '../flows/collection.machine';
import { type dropoffMachine } from '../flows/dropoff.machine';
import { DoorOpening } from '../ui/DoorOpening';
import { DoorPanel } from '../ui/DoorPanel';
import { useT } from '../ui/i18n';
import { Busy, ErrorNotice, Notice, WithReference } from '../ui/widgets';

type DropoffRef = ActorRefFrom<typeof dropoffMachine>;
type CollectionRef = ActorRefFrom<typeof collectionMachine>;

/** Built for speed: the scanner does the work, the screen shows where and keeps count. */
export function DriverScreen({ actor }: { actor: DropoffRef }) {
  const t = useT();
  const name = useSelector(actor, (s) => s.context.session.name ?? s.context.session.badgeId);
  const busy = useSelector(actor, (s) => s.hasTag('busy'));
  const doorOpen = useSelector(actor, (s) => s.hasTag('door-open'));
  const current = useSelector(actor, (s) => s.context.current);
  const doorStep = useSelector(actor, (s) => (s.matches({ door: 'opening' }) ? 'opening' : s.matches({ door: 'failed' }) ? 'failed' : 'open'));
  const op = useSelector(actor, (s) => s.context.op);
  const error = useSelector(actor, (s) => s.context.error);
  const notice = useSelector(actor, (s) => s.context.notice);
  const summary = useSelector(actor, (s) => s.context.summary);
  return (
    <main className="screen" data-screen={doorOpen ? 'driver-door' : 'driver-ready'}>
      <h2>
        {t('driver.title')} · {t('driver.greeting', { name })}
      </h2>
      {doorOpen && current && doorStep === 'opening' ? (
        <DoorOpening door={current.where.compartmentId}>
          <button type="button" className="btn" onClick={() => actor.send({ type: 'DIDNT_OPEN' })}>
            {t('driver.didntOpen')}
          </button>
        </DoorOpening>
      ) : doorOpen && current && doorStep === 'failed' ? (
        <DidNotOpen door={current.where.compartmentId} noAnswer={op?.state !== 'failed'} reference={op?.reference ?? '—'} onNext={() => actor.send({ type: 'DIDNT_OPEN' })} />
      ) : doorOpen && current ? (
        <DoorPanel
          door={current.where.compartmentId}
          title={t('door.openTitle', { door: current.where.compartmentId })}
          body={t('driver.doorOpen', { barcode: current.barcode, door: current.where.compartmentId })}
          simulate="put"
        >
          {notice?.kind === 'closeFirst' ? <Notice>{t('driver.closeFirst', { door: notice.door })}</Notice> : null}
          <div className="row">
            <button type="button" className="btn" onClick={() => actor.send({ type: 'DOESNT_FIT' })}>
              {t('driver.doesntFit')}
            </button>
            <button type="button" className="btn" onClick={() => actor.send({ type: 'DIDNT_OPEN' })}>
              {t('driver.didntOpen')}
            </button>
          </div>
        </DoorPanel>
      ) : busy ? (
        <Busy label={t('driver.opening')} />
      ) : (
        <>
          <h1>{t('driver.scanPrompt')}</h1>
          <ErrorNotice error={error} />
          {notice?.kind === 'emptyOnClose' ? <Notice>{t('driver.emptyOnClose', { door: notice.door })}</Notice> : null}
          <div className="row">
            <button type="button" className="btn" onClick={() => actor.send({ type: 'COLLECT' })}>
              {t('driver.collect')}
            </button>
            <button type="button" className="btn primary" onClick={() => actor.send({ type: 'DONE' })}>
              {t('driver.done')}
            </button>
          </div>
        </>
      )}
      <section className="stack" aria-label={t('driver.delivered', { count: summary.delivered.length })}>
        <p data-testid="delivered-count">
          {summary.delivered.length ? t('driver.delivered', { count: summary.delivered.length }) : t('driver.deliveredEmpty')}
        </p>
        <ul className="list scroll" data-testid="delivered-list">
          {summary.delivered.map((d) => (
            <li key={`${d.barcode}-${d.compartmentId}`}>
              <span>{d.barcode}</span>
              <span>
                {d.compartmentId} · {t(`op.${d.state}`)}
              </span>
            </li>
          ))}
          {summary.keptByDriver.map((k) => (
            <li key={`kept-${k.barcode}`}>
              <span>{t('driver.kept', { barcode: k.barcode })}</span>
              <span>{k.reason}</span>
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}

/** The door jammed or the board did not answer: said plainly, with the one thing to do next (another compartment). */
function DidNotOpen(props: { door: string; noAnswer: boolean; reference: string; onNext: () => void }) {
  const t = useT();
  return (
    <div className="stack" data-testid="door-fault" data-fault={props.noAnswer ? 'no-answer' : 'did-not-open'}>
      <h1 aria-live="assertive">{t(props.noAnswer ? 'door.noAnswerTitle' : 'door.faultTitle', { door: props.door })}</h1>
      <div className="notice error" role="alert">
        <p>
          <WithReference text={(r) => t('driver.faultBody', { reference: r })} reference={props.reference} />
        </p>
      </div>
      <button type="button" className="btn primary" onClick={props.onNext}>
        {t('driver.didntOpen')}
      </button>
    </div>
  );
}

export function CollectionScreen({ actor }: { actor: CollectionRef }) {
  const t = useT();
  const busy = useSelector(actor, (s) => s.hasTag('busy'));
  const doorOpen = useSelector(actor, (s) => s.hasTag('door-open'));
  const current = useSelector(actor, (s) => s.context.current);
  const parcels = useSelector(actor, (s) => s.context.parcels);
  const error = useSelector(actor, (s) => s.context.error);
  return (
    <main className="screen" data-screen={doorOpen ? 'collection-door' : 'collection-list'}>
      <h2>{t('collection.title')}</h2>
      {doorOpen && current ? (
        <DoorPanel
          door={current.where.compartmentId}
          title={t('door.openTitle', { door: current.where.compartmentId })}
          body={t('collection.doorOpen', { barcode: current.parcel.barcode, door: current.where.compartmentId })}
          simulate="take"
        />
      ) : busy ? (
        <Busy />
      ) : (
        <>
          <ErrorNotice error={error} />
          <p>{parcels.length ? t('collection.count', { count: parcels.length }) : t('collection.empty')}</p>
          <ul className="list scroll">
            {parcels.map((p) => (
              <li key={p.parcelId}>
                <span>
                  {p.barcode} · {p.compartmentId} · {t(p.kind === 'outgoing' ? 'collection.outgoing' : 'collection.expiredTag')}
                </span>
                <button type="button" className="btn small" onClick={() => actor.send({ type: 'OPEN', parcelId: p.parcelId })}>
                  {t('collection.open', { door: p.compartmentId })}
                </button>
              </li>
            ))}
          </ul>
          <button type="button" className="btn primary" onClick={() => actor.send({ type: 'BACK' })}>
            {t('collection.back')}
          </button>
        </>
      )}
    </main>
  );
}
