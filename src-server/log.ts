/**
 * A minimal structured logger. Never pass a pickup code, a kiosk secret, a badge token or a notification body.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function consoleLogger(scope = 'fleet'): Logger {
  const line = (level: string, msg: string, fields?: Record<string, unknown>) =>
    `${new Date().toISOString()} ${level} [${scope}] ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`;
  return {
    info: (m, f) => console.error(line('info', m, f)),
    warn: (m, f) => console.error(line('warn', m, f)),
    error: (m, f) => console.error(line('error', m, f)),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
