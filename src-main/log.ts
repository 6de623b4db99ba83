/**
 * One logger per module, structured (one JSON-ish line per entry). Callers pass fields, never a pickup code, PIN,
 * badge token or secret: `redact` strips fields with those names as a second line of defence.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const SECRET_KEYS = /^(code|pin|badge|token|secret|kioskSecret|password|authorization)$/i;
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: LogLevel = (process.env.KIOSK_LOG_LEVEL as LogLevel | undefined) ?? 'warn';
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

export function setLogSink(fn: (line: string) => void, level: LogLevel = threshold): void {
  sink = fn;
  threshold = level;
}

export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : v;
  return out;
}

export function createLogger(module: string): Logger {
  const write = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[threshold]) return;
    sink(JSON.stringify({ t: new Date().toISOString(), level, module, msg, ...(fields ? redact(fields) : {}) }));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
