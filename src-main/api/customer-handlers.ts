import { KioskError } from '../../src-shared/errors';
import type { Handlers } from './dispatch';

/**
 * How long one typed digit holds routine board reads, ms (ADR 0026 rule 5): longer than the pause between two digits
 * of a person typing (the renderer sends at most one a second), short enough that a customer who walks away leaves
 * the bus to the poller within seconds. The driver caps one hold at 5 s in all.
 */
export const CODE_TYPING_QUIET_MS = 3_000;

/**
 * Customer calls: pickup by code or QR (a reopen is the same code again, within grace), report a problem; plus
 * operationStatus (progress polling). No call opens a door without the code (ADR 0008 (code lockout)).
 */
export const customerHandlers: Pick<
  Handlers,
  'pickupSubmitCode' | 'pickupSubmitQr' | 'pickupKeypadMode' | 'codeTyping' | 'pickupReportProblem' | 'operationStatus' | 'pickupOpenNext' | 'lostCodeRequest'
> = {
  pickupOpenNext: (input, ctx) => ctx.services.openNextInGroup(input.operationId, input.token),
  lostCodeRequest: (input, ctx) => ctx.services.lostCode.request(input.phone),
  pickupSubmitCode: (input, ctx) => ctx.services.pickup.submitCode(input.check ? { code: input.code, check: input.check } : { code: input.code }),
  pickupSubmitQr: (input, ctx) => ctx.services.pickup.submitQr(input.token),
  pickupKeypadMode: (_input, ctx) => ctx.services.pickup.keypadMode(),
  codeTyping: (_input, ctx) => ({ held: ctx.doors.quiet(CODE_TYPING_QUIET_MS) }),
  pickupReportProblem: (input, ctx) => ctx.services.pickup.reportProblem(input),
  operationStatus: (input, ctx) => {
    const op = ctx.services.operation(input.operationId);
    if (!op) throw new KioskError('NOT_FOUND', 'no such operation');
    return op;
  },
};
