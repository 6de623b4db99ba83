import { KioskError } from '../../src-shared/errors';
import type { Handlers } from './dispatch';

/**
 * Customer calls: pickup by code or QR (a reopen is the same code again, within grace), report a problem; plus
 * operationStatus (progress polling). No call opens a door without the code (ADR 0008 (code lockout)).
 */
export const customerHandlers: Pick<
  Handlers,
  'pickupSubmitCode' | 'pickupSubmitQr' | 'pickupKeypadMode' | 'pickupReportProblem' | 'operationStatus' | 'pickupOpenNext' | 'lostCodeRequest'
> = {
  pickupOpenNext: (input, ctx) => ctx.services.openNextInGroup(input.operationId, input.token),
  lostCodeRequest: (input, ctx) => ctx.services.lostCode.request(input.phone),
  pickupSubmitCode: (input, ctx) => ctx.services.pickup.submitCode(input.check ? { code: input.code, check: input.check } : { code: input.code }),
  pickupSubmitQr: (input, ctx) => ctx.services.pickup.submitQr(input.token),
  pickupKeypadMode: (_input, ctx) => ctx.services.pickup.keypadMode(),
  pickupReportProblem: (input, ctx) => ctx.services.pickup.reportProblem(input),
  operationStatus: (input, ctx) => {
    const op = ctx.services.operation(input.operationId);
    if (!op) throw new KioskError('NOT_FOUND', 'no such operation');
    return op;
  },
};
