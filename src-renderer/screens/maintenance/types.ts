import type { ActorRefFrom } from 'xstate';
import type { maintenanceMachine } from '../../flows/maintenance.machine';

/** The running maintenance flow, as every tab of the technician's screen receives it. */
export type MaintenanceRef = ActorRefFrom<typeof maintenanceMachine>;
