import type { CallName } from '../../src-shared/api';

/**
 * Every kiosk call, classified once: `starts` when it can start a new door operation (journal a row and unlock a
 * door), `none` otherwise. A mapped type over CallName, so a call added to the API table without being classified
 * here does not compile: the dispatcher's "refuse new door operations while the store is degraded" rule
 * (docs/adr 0007 store-errors) cannot forget a call (red-team finding 5b: `pickupSubmitQr` was missed).
 */
export const DOOR_EFFECT: { readonly [N in CallName]: 'starts' | 'none' } = {
  kioskInfo: 'none',
  layoutGet: 'none',
  operationStatus: 'none',
  operationsInProgress: 'none',
  // The simulator's hands on a door (demo only): no operation is journaled.
  simDoor: 'none',
  pickupSubmitCode: 'starts',
  pickupSubmitQr: 'starts',
  pickupKeypadMode: 'none',
  // The same recipient's next door (ADR customer-self-service).
  pickupOpenNext: 'starts',
  lostCodeRequest: 'none',
  pickupReportProblem: 'none',
  // A sender's drop-off (ADR drop-offs): code, QR and "doesn't fit" open a door; the confirmation only records a word.
  sendSubmitCode: 'starts',
  sendSubmitQr: 'starts',
  sendDoesntFit: 'starts',
  sendConfirm: 'none',
  // A resumed drop-off's step (its "doesn't fit" token is only spent by sendDoesntFit), and leaving its receipt.
  sendResume: 'none',
  sendDismiss: 'none',
  authBadge: 'none',
  authPin: 'none',
  authPinStatus: 'none',
  authEnd: 'none',
  dropoffScan: 'starts',
  // Both give the driver another door.
  dropoffDoesntFit: 'starts',
  dropoffDoorDidntOpen: 'starts',
  dropoffSummary: 'none',
  collectionList: 'none',
  collectionOpen: 'starts',
  maintenanceOverview: 'none',
  maintenanceClearCodeLockout: 'none',
  maintenanceAcknowledgeAlarms: 'none',
  maintenanceResolveOperation: 'none',
  maintenanceOpenDoor: 'starts',
  maintenanceSetService: 'none',
  maintenanceSelfTest: 'none',
  maintenanceAudit: 'none',
  maintenanceSync: 'none',
};

/** Calls that start a new door operation: refused up front while the store is degraded (full disk, I/O error). */
export const STARTS_NEW: ReadonlySet<CallName> = new Set((Object.keys(DOOR_EFFECT) as CallName[]).filter((n) => DOOR_EFFECT[n] === 'starts'));
