import { KioskError } from '../../src-shared/errors';

/** The codes the door hardware can raise; a subset of the closed union so the API layer passes them through as-is. */
export type HardwareErrorCode = 'UNKNOWN_COMPARTMENT' | 'HARDWARE_OFFLINE' | 'BAD_INPUT';

/**
 * A KioskError raised by the door hardware. Subclassed (rather than a bare KioskError) so callers and tests can tell
 * a hardware refusal from any other failure with `instanceof`, while the dispatcher still maps it by `code`.
 */
export class HardwareError extends KioskError {
  declare readonly code: HardwareErrorCode;
  constructor(code: HardwareErrorCode, message: string, details?: KioskError['details']) {
    super(code, message, details);
  }
}
