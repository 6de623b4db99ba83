import { actorOf, sessionView } from '../services/sessions';
import type { Handlers } from './dispatch';

const iso = (ms: number) => new Date(ms).toISOString();

type StaffCalls =
  | 'authBadge'
  | 'authPin'
  | 'authPinStatus'
  | 'authEnd'
  | 'dropoffScan'
  | 'dropoffDoesntFit'
  | 'dropoffDoorDidntOpen'
  | 'dropoffSummary'
  | 'collectionList'
  | 'collectionOpen'
  | 'maintenanceOverview'
  | 'maintenanceOpenDoor'
  | 'maintenanceSetService'
  | 'maintenanceSelfTest'
  | 'maintenanceAudit'
  | 'maintenanceSync'
  | 'maintenanceAcknowledgeAlarms'
  | 'maintenanceClearCodeLockout'
  | 'maintenanceResolveOperation';

/**
 * Staff calls. Every call but auth* checks the session and its role first (SESSION_EXPIRED / NOT_AUTHORISED): drop-off and
 * collection are driver calls, maintenance* technician calls, and neither role may use the other's.
 */
export const staffHandlers: Pick<Handlers, StaffCalls> = {
  authBadge: (input, ctx) => sessionView(ctx.services.sessions.authBadge(input.badge), iso),
  authPin: (input, ctx) => sessionView(ctx.services.sessions.authPin(input.pin), iso),
  authPinStatus: (_input, ctx) => {
    const s = ctx.services.sessions.pinStatus();
    return { paused: s.paused, until: s.until === null ? null : iso(s.until) };
  },
  authEnd: (input, ctx) => ({ ended: ctx.services.sessions.end(input.sessionId) }),

  dropoffScan: (input, ctx) => ctx.services.dropoff.scan(ctx.services.sessions.require(input.sessionId, ['driver']), input.barcode),
  dropoffDoesntFit: (input, ctx) => ctx.services.dropoff.doesntFit(ctx.services.sessions.require(input.sessionId, ['driver']), input.operationId),
  dropoffDoorDidntOpen: (input, ctx) =>
    ctx.services.dropoff.doorDidntOpen(ctx.services.sessions.require(input.sessionId, ['driver']), input.operationId),
  dropoffSummary: (input, ctx) => ctx.services.dropoff.summary(ctx.services.sessions.require(input.sessionId, ['driver'])),

  // Collection is a driver's job (the parcels leave with a courier); a technician opens a door through maintenance.
  collectionList: (input, ctx) => {
    ctx.services.sessions.require(input.sessionId, ['driver']);
    return { parcels: ctx.services.collection.list() };
  },
  collectionOpen: (input, ctx) => ctx.services.collection.open(ctx.services.sessions.require(input.sessionId, ['driver']), input.parcelId),

  maintenanceOverview: (input, ctx) => {
    ctx.services.sessions.require(input.sessionId, ['technician']);
    return ctx.services.maintenance.overview();
  },
  maintenanceOpenDoor: (input, ctx) =>
    ctx.services.maintenance.openDoor(ctx.services.sessions.require(input.sessionId, ['technician']), input.compartmentId, input.reason),
  maintenanceSetService: (input, ctx) =>
    ctx.services.maintenance.setService(ctx.services.sessions.require(input.sessionId, ['technician']), input.compartmentId, input.inService, input.reason),
  maintenanceSelfTest: (input, ctx) => ctx.services.maintenance.selfTest(ctx.services.sessions.require(input.sessionId, ['technician'])),
  maintenanceAudit: (input, ctx) => ctx.services.maintenance.audit(ctx.services.sessions.require(input.sessionId, ['technician']), input.limit),
  maintenanceSync: (input, ctx) => ctx.services.maintenance.sync(ctx.services.sessions.require(input.sessionId, ['technician']), input.force),
  maintenanceClearCodeLockout: (input, ctx) => {
    const session = ctx.services.sessions.require(input.sessionId, ['technician']);
    return ctx.services.pickup.lockout.clear(actorOf(session), session.badgeId ?? undefined);
  },
  maintenanceAcknowledgeAlarms: (input, ctx) =>
    ctx.services.maintenance.acknowledgeAlarms(ctx.services.sessions.require(input.sessionId, ['technician']), input.ids),
  maintenanceResolveOperation: (input, ctx) =>
    ctx.services.maintenance.resolveOperation(ctx.services.sessions.require(input.sessionId, ['technician']), input.compartmentId, input.reason),
};
