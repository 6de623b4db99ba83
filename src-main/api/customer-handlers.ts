import { KioskError } from '../../src-shared/errors';
import type { Handlers } from './dispatch';

/** Customer calls: pickup by code, reopen within grace, report a problem; plus operationStatus (progress polling). */
export const customerHandlers: Pick<
  Handlers,
  'pickupSubmitCode' | 'pickupSubmitQr' | 'pickupKeypadMode' | 'pickupReopen' | 'pickupEndVisit' | 'pickupReportProblem' | 'operationStatus'
> = {
  pickupSubmitCode: (input, ctx) => ctx.services.pickup.submitCode(input.check ? { code: input.code, check: input.check } : { code: input.code }),
  pickupSubmitQr: (input, ctx) => ctx.services.pickup.submitQr(input.token),
  pickupKeypadMode: (_input, ctx) => ctx.services.pickup.keypadMode(),
  pickupReopen: (input, ctx) => ctx.services.pickup.reopen(input.operationId, input.reopenToken),
  pickupEndVisit: (_input, ctx) => {
    ctx.services.pickup.endVisit();
    return { ended: true };
  },
  pickupReportProblem: (input, ctx) => ctx.services.pickup.reportProblem(input),
  operationStatus: (input, ctx) => {
    const op = ctx.services.operation(input.operationId);
    if (!op) throw new KioskError('NOT_FOUND', 'no such operation');
    return op;
  },
};
