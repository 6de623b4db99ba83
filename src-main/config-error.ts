/**
 * A configuration or command-line problem. Entry points print `kiosk: <message>` as one line and exit with
 * `exitCode`: 2 for a bad flag or value (README), 0 for `--help` (the message is then the usage text).
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly exitCode: 0 | 2 = 2,
  ) {
    super(message);
  }
}
