import { KioskError } from '../../src-shared/errors';
import type { Handlers } from './dispatch';

/** Customer calls: pickup by code, reopen within grace, report a problem; plus operationStatus (progress polling). */
export const customerHandlers: Pick<Handlers, 'pickupSubmitCode' | 'pickupReopen' | 'pickupReportProblem' | 'operationStatus'> = {
  pickupSubmitCode: (input, ctx) => ctx.services.pickup.submitCode(input.code),
  pickupReopen: (input, ctx) => ctx.services.pickup.reopen(input.operationId),
  pickupReportProblem: (input, ctx) => ctx.services.pickup.reportProblem(input),
  operationStatus: (input, ctx) => {
    const op = ctx.services.operation(input.operationId);
    if (!op) throw new KioskError('NOT_FOUND', 'no such operation');
    return op;
  },
};
