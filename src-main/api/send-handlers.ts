import type { Handlers } from './dispatch';

/** "Send or return a parcel" (ADR drop-offs): a sender's code or QR opens a compartment; no door opens without it. */
export const sendHandlers: Pick<Handlers, 'sendSubmitCode' | 'sendSubmitQr' | 'sendDoesntFit' | 'sendConfirm'> = {
  sendSubmitCode: (input, ctx) => ctx.services.send.submitCode(input.check ? { code: input.code, check: input.check } : { code: input.code }),
  sendSubmitQr: (input, ctx) => ctx.services.send.submitQr(input.token),
  sendDoesntFit: (input, ctx) => ctx.services.send.doesntFit(input.operationId, input.token),
  sendConfirm: (input, ctx) => ctx.services.send.confirm(input.operationId, input.inside),
};
