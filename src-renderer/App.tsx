import { useActorRef, useSelector } from '@xstate/react';
import { useEffect, useMemo } from 'react';
import type { ActorRefFrom } from 'xstate';
import { getKiosk } from './bridge';
import type { collectionMachine } from './flows/collection.machine';
import type { dropoffMachine } from './flows/dropoff.machine';
import { provideKiosk } from './flows/kiosk-actors';
import { askOnEveryLink } from './flows/resume';
import type { maintenanceMachine } from './flows/maintenance.machine';
import type { lostCodeMachine } from './flows/lostcode.machine';
import type { pickupMachine } from './flows/pickup.machine';
import type { sendMachine } from './flows/send.machine';
import { routeScans } from './input/scan-routing';
import { AttractScreen } from './screens/AttractScreen';
import { CollectionScreen, DriverScreen } from './screens/DriverScreen';
import { HomeScreen, PinScreen, SigningIn } from './screens/HomeScreen';
import { LostCodeScreen } from './screens/LostCodeScreen';
import { IdleDialog } from './screens/IdleDialog';
import { MaintenanceScreen } from './screens/MaintenanceScreen';
import { OutOfOrderScreen } from './screens/OutOfOrderScreen';
import { PickupScreen } from './screens/PickupScreen';
import { ResumeScreen } from './screens/ResumeScreen';
import { SendScreen } from './screens/SendScreen';
import { useView } from './state/view-store';
import { AppActorContext, type AppRef } from './ui/app-context';
import { Banner, StatusBar, TopBar } from './ui/chrome';
import { KioskContext } from './ui/kiosk-context';
import { useKioskStatus } from './ui/status';

export function App() {
  const kiosk = useMemo(() => getKiosk(), []);
  const machine = useMemo(() => provideKiosk(kiosk, () => useView.getState().resetForNextPerson()), [kiosk]);
  const app = useActorRef(machine);
  useKioskStatus(kiosk);
  useEffect(() => {
    // Any touch or key keeps the visit alive; scans are routed to whichever flow is showing.
    const activity = (): void => app.send({ type: 'ACTIVITY' });
    window.addEventListener('pointerdown', activity, true);
    window.addEventListener('keydown', activity, true);
    // Keyboard-wedge and serial scanners go down one path (see routeScans).
    const offScans = routeScans(
      window,
      kiosk,
      (e) => {
        if (e.type === 'SCAN') useView.getState().setScanNotice(null);
        app.send(e);
      },
      (why) => useView.getState().setScanNotice(why),
    );
    // On load and after every reconnect: a door left open shows "please close door A01", not the home screen.
    const offResume = askOnEveryLink(kiosk, (e) => app.send(e));
    return () => {
      offResume();
      offScans();
      window.removeEventListener('pointerdown', activity, true);
      window.removeEventListener('keydown', activity, true);
    };
  }, [app, kiosk]);
  const locale = useView((s) => s.locale);
  const textSize = useView((s) => s.textSize);
  const contrast = useView((s) => s.highContrast);
  const lowReach = useView((s) => s.lowReach);
  // Screen readers pick their voice from the document language, not just the container's.
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <KioskContext.Provider value={kiosk}>
      <AppActorContext.Provider value={app}>
        <div className="app" lang={locale} data-text={textSize} data-contrast={contrast ? 'high' : 'normal'} data-reach={lowReach ? 'low' : 'normal'}>
          <TopBar />
          <Banner />
          <Screen app={app} />
          <StatusBar />
        </div>
      </AppActorContext.Provider>
    </KioskContext.Provider>
  );
}

function Screen({ app }: { app: AppRef }) {
  const view = useSelector(app, (s) => {
    if (s.matches('attract')) return 'attract';
    if (s.matches('home')) return 'home';
    if (s.matches('pinEntry')) return 'pin';
    if (s.matches('resume')) return 'resume';
    if (s.matches({ flow: { screen: 'pickup' } })) return 'pickup';
    if (s.matches({ flow: { screen: 'dropoff' } })) return 'dropoff';
    if (s.matches({ flow: { screen: 'send' } })) return 'send';
    if (s.matches({ flow: { screen: 'collection' } })) return 'collection';
    if (s.matches({ flow: { screen: 'maintenance' } })) return 'maintenance';
    if (s.matches({ flow: { screen: 'lostCode' } })) return 'lostCode';
    return 'busy';
  });
  const asking = useSelector(app, (s) => s.hasTag('idle-asking'));
  const authError = useSelector(app, (s) => s.context.authError);
  const pinPausedUntil = useSelector(app, (s) => s.context.pinPausedUntil);
  const flow = useSelector(app, (s) => s.children.flow);
  const resume = useSelector(app, (s) => s.context.resume);
  const storeDown = useView((s) => s.store !== 'ok');
  let body;
  // While the store cannot record anything new, the start screens say so instead (a visit at a door carries on).
  if (storeDown && (view === 'attract' || view === 'home')) return <OutOfOrderScreen />;
  switch (view) {
    case 'attract':
      body = <AttractScreen onPickup={() => app.send({ type: 'START_PICKUP' })} onTouch={() => app.send({ type: 'TOUCH' })} />;
      break;
    case 'home':
      body = (
        <HomeScreen
          authError={authError}
          onPickup={() => app.send({ type: 'START_PICKUP' })}
          onSend={() => app.send({ type: 'START_SEND' })}
          onLostCode={() => app.send({ type: 'LOST_CODE' })}
          onStaffPin={() => app.send({ type: 'STAFF_PIN' })}
          onBack={() => app.send({ type: 'CANCEL' })}
        />
      );
      break;
    case 'resume':
      body = resume ? <ResumeScreen key={resume.compartmentId} op={resume} /> : null;
      break;
    case 'pin':
      body = <PinScreen pausedUntil={pinPausedUntil} onSubmit={(pin) => app.send({ type: 'PIN_SUBMIT', pin })} onCancel={() => app.send({ type: 'CANCEL' })} />;
      break;
    // The child actor refs are typed loosely by XState; the state we matched tells us which machine it is.
    case 'pickup':
      body = flow ? <PickupScreen key={flow.id} actor={flow as unknown as ActorRefFrom<typeof pickupMachine>} /> : null;
      break;
    case 'send':
      body = flow ? <SendScreen key={flow.id} actor={flow as unknown as ActorRefFrom<typeof sendMachine>} /> : null;
      break;
    case 'dropoff':
      body = flow ? <DriverScreen key={flow.id} actor={flow as unknown as ActorRefFrom<typeof dropoffMachine>} /> : null;
      break;
    case 'collection':
      body = flow ? <CollectionScreen key={flow.id} actor={flow as unknown as ActorRefFrom<typeof collectionMachine>} /> : null;
      break;
    case 'lostCode':
      body = flow ? <LostCodeScreen key={flow.id} actor={flow as unknown as ActorRefFrom<typeof lostCodeMachine>} /> : null;
      break;
    case 'maintenance':
      body = flow ? <MaintenanceScreen key={flow.id} actor={flow as unknown as ActorRefFrom<typeof maintenanceMachine>} /> : null;
      break;
    default:
      body = <SigningIn />;
  }
  return (
    <>
      {body}
      {asking ? <IdleDialog onStay={() => app.send({ type: 'STILL_HERE' })} /> : null}
    </>
  );
}
