import { fromCallback, fromPromise } from 'xstate';
import type { KioskBridge } from '../../src-shared/api';
import type { DoorOperation } from '../../src-shared/api/common';
import { appMachine } from './app.machine';
import { collectionMachine } from './collection.machine';
import { unwrap, type OperationEvent } from './common';
import { dropoffMachine } from './dropoff.machine';
import { lostCodeMachine } from './lostcode.machine';
import { maintenanceMachine, type DoorWatchEvent } from './maintenance.machine';
import { pickupMachine } from './pickup.machine';
import { sendMachine } from './send.machine';
import { checkRelink, followInProgress } from './resume';
import { qrTokenOf } from '../input/scanner';

/** Pushed events can be missed while the host-mode socket reconnects; a slow poll is the safety net. */
const OPERATION_POLL_MS = 2_000;

/** Follows one door operation: pushed `operation` events, plus a poll until the operation is over. */
function watchOperation(kiosk: KioskBridge) {
  return fromCallback<OperationEvent, { operationId: string }>(({ input, sendBack }) => {
    let last = '';
    const deliver = (op: DoorOperation): void => {
      if (op.operationId !== input.operationId) return;
      const key = `${op.state}/${op.outcome}/${op.graceUntil ?? ''}`;
      if (key === last) return; // the poll and the push often report the same thing
      last = key;
      sendBack({ type: 'OPERATION', op });
    };
    const off = kiosk.on('operation', deliver);
    const poll = async (): Promise<void> => {
      const r = await kiosk.operationStatus({ operationId: input.operationId });
      if (r.ok) deliver(r.value);
    };
    void poll();
    const timer = setInterval(() => void poll(), OPERATION_POLL_MS);
    return () => {
      off();
      clearInterval(timer);
    };
  });
}

/** The app machine with every side effect bound to the kiosk API. Tests build the same tree with fakes instead. */
export function provideKiosk(kiosk: KioskBridge, visitEnded: () => void) {
  const watch = watchOperation(kiosk);
  return appMachine.provide({
    actions: {
      visitEnded: () => visitEnded(),
    },
    actors: {
      authenticate: fromPromise(({ input }) => unwrap('badge' in input ? kiosk.authBadge(input) : kiosk.authPin(input))),
      endSession: fromPromise(({ input }) => unwrap(kiosk.authEnd(input))),
      pinStatus: fromPromise(() => unwrap(kiosk.authPinStatus({}))),
      followInProgress: followInProgress(kiosk),
      checkRelink: checkRelink(kiosk),
      pickupFlow: pickupMachine.provide({
        actors: {
          // An `LK2:` QR goes to the QR call (outside the keypad's budget); six digits, with a check code if any, to the keypad's.
          submitCode: fromPromise(({ input }) => {
            const token = qrTokenOf(input.code);
            return unwrap(token ? kiosk.pickupSubmitQr({ token }) : kiosk.pickupSubmitCode(input));
          }),
          keypadMode: fromPromise(() => unwrap(kiosk.pickupKeypadMode({}))),
          reportProblem: fromPromise(({ input }) => unwrap(kiosk.pickupReportProblem(input))),
          openNext: fromPromise(({ input }) => unwrap(kiosk.pickupOpenNext(input))),
          watchOperation: watch,
        },
      }),
      lostCodeFlow: lostCodeMachine.provide({
        actors: { requestCode: fromPromise(({ input }) => unwrap(kiosk.lostCodeRequest(input))) },
      }),
      sendFlow: sendMachine.provide({
        actions: {
          // Best effort: if main does not hear it, the resume window (60 s from the close) still ends the receipt.
          'forget the receipt': ({ context }) => {
            if (context.op) void kiosk.sendDismiss({ operationId: context.op.operationId });
          },
        },
        actors: {
          // As for pickups: an `LK2:` QR goes to the QR call (outside the keypad's budget), six digits to the keypad's.
          submitCode: fromPromise(({ input }) => {
            const token = qrTokenOf(input.code);
            return unwrap(token ? kiosk.sendSubmitQr({ token }) : kiosk.sendSubmitCode(input));
          }),
          keypadMode: fromPromise(() => unwrap(kiosk.pickupKeypadMode({}))),
          doesntFit: fromPromise(({ input }) => unwrap(kiosk.sendDoesntFit(input))),
          confirm: fromPromise(({ input }) => unwrap(kiosk.sendConfirm(input))),
          watchOperation: watch,
        },
      }),
      dropoffFlow: dropoffMachine.provide({
        actors: {
          scanParcel: fromPromise(({ input }) => unwrap(kiosk.dropoffScan(input))),
          doesntFit: fromPromise(({ input }) => unwrap(kiosk.dropoffDoesntFit(input))),
          didntOpen: fromPromise(({ input }) => unwrap(kiosk.dropoffDoorDidntOpen(input))),
          loadSummary: fromPromise(({ input }) => unwrap(kiosk.dropoffSummary(input))),
          watchOperation: watch,
        },
      }),
      collectionFlow: collectionMachine.provide({
        actors: {
          loadExpired: fromPromise(({ input }) => unwrap(kiosk.collectionList(input))),
          openForCollection: fromPromise(({ input }) => unwrap(kiosk.collectionOpen(input))),
          watchOperation: watch,
        },
      }),
      maintenanceFlow: maintenanceMachine.provide({
        actors: {
          loadOverview: fromPromise(({ input }) => unwrap(kiosk.maintenanceOverview(input))),
          openDoor: fromPromise(({ input }) => unwrap(kiosk.maintenanceOpenDoor(input))),
          setService: fromPromise(({ input }) => unwrap(kiosk.maintenanceSetService(input))),
          selfTest: fromPromise(({ input }) => unwrap(kiosk.maintenanceSelfTest(input))),
          clearCodeLockout: fromPromise(({ input }) => unwrap(kiosk.maintenanceClearCodeLockout(input))),
          sync: fromPromise(({ input }) => unwrap(kiosk.maintenanceSync(input))),
          loadAudit: fromPromise(({ input }) => unwrap(kiosk.maintenanceAudit(input))),
          resolveOperation: fromPromise(({ input }) => unwrap(kiosk.maintenanceResolveOperation(input))),
          acknowledgeAlarms: fromPromise(({ input }) => unwrap(kiosk.maintenanceAcknowledgeAlarms(input))),
          simDoor: fromPromise(({ input }) => unwrap(kiosk.simDoor(input))),
          watchDoors: fromCallback<DoorWatchEvent>(({ sendBack }) => {
            const offs = [kiosk.on('door', () => sendBack({ type: 'REFRESH' })), kiosk.on('alarm', () => sendBack({ type: 'REFRESH' }))];
            return () => offs.forEach((off) => off());
          }),
        },
      }),
    },
  });
}
