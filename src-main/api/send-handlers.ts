import type { Handlers } from './dispatch';

/** "Send or return a parcel" (ADR drop-offs): a sender's code or QR opens a compartment; no door opens without it. */
export const sendHandlers: Pick<Handlers, 'sendSubmitCode' | 'sendSubmitQr' | 'sendDoesntFit' | 'sendConfirm' | 'sendResume' | 'sendDismiss'> = {
  sendSubmitCode: (input, ctx) => ctx.services.send.submitCode(input.check ? { code: input.code, check: input.check } : { code: input.code }),
  sendSubmitQr: (input, ctx) => ctx.services.send.submitQr(input.token),
  sendDoesntFit: (input, ctx) => ctx.services.send.doesntFit(input.operationId, input.token),
  sendConfirm: (input, ctx) => ctx.services.send.confirm(input.operationId, input.inside),
  // A reloaded page picks up the sender's drop-off it was showing (issues 10 and 13); never anyone else's.
  sendResume: (_input, ctx) => ({ resume: ctx.services.send.resume() }),
  sendDismiss: (input, ctx) => {
    ctx.services.send.dismiss(input.operationId);
    return {};
  },
};
