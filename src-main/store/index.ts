import type { RandomSource } from '../clock';
import { AlarmsRepo } from './alarms';
import { AttemptsRepo } from './attempts';
import { AuditRepo } from './audit';
import { CompartmentsRepo } from './compartments';
import { DoorOpsRepo } from './door-ops';
import { EnrollmentRepo } from './enrollment';
import { OutboxRepo } from './outbox';
import { ParcelsRepo } from './parcels';
import type { Db } from './sqlite';

export { AlarmsRepo, AttemptsRepo, AuditRepo, CompartmentsRepo, DoorOpsRepo, EnrollmentRepo, OutboxRepo, ParcelsRepo };
export type { ParcelRow, ExpectedParcelInput } from './parcels';
export type { DoorOpRow, DoorOpPurpose, DoorOpOutcome } from './door-ops';
export type { CompartmentRow } from './compartments';
export type { OutboxEvent } from './outbox';
export type { ChainCheck, AuditRow } from './audit';
export type { Enrollment } from './enrollment';
export type { AlarmRow, AlarmKind } from './alarms';

/** Every repository over one database; services, sync and tests share these. */
export interface Repos {
  db: Db;
  compartments: CompartmentsRepo;
  parcels: ParcelsRepo;
  doorOps: DoorOpsRepo;
  outbox: OutboxRepo;
  audit: AuditRepo;
  attempts: AttemptsRepo;
  enrollment: EnrollmentRepo;
  alarms: AlarmsRepo;
}

export function createRepos(db: Db, opts: { dataDir: string; random: RandomSource }): Repos {
  const enrollment = new EnrollmentRepo(db, opts.dataDir);
  return {
    db,
    compartments: new CompartmentsRepo(db),
    parcels: new ParcelsRepo(db),
    doorOps: new DoorOpsRepo(db),
    outbox: new OutboxRepo(db, opts.random),
    // Audit seals are keyed from the kiosk secret (store/audit.ts).
    audit: new AuditRepo(db, () => enrollment.getKioskSecret()),
    attempts: new AttemptsRepo(db),
    enrollment,
    alarms: new AlarmsRepo(db),
  };
}
