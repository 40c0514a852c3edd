/**
 * JSON logs (pino; readable lines under npm run dev) with redaction: OTPs, PINs, passwords and tokens are
 * removed by key wherever they appear; phone numbers are masked by callers
 * with maskPhone/maskEmail before they reach a log line.
 */
import { pino, type Logger } from 'pino';

const SECRET_KEYS = [
  'otp',
  'code',
  'pin',
  'newPin',
  'password',
  'newPassword',
  'token',
  'resetToken',
  'secret',
  'authorization',
  'pepper',
];

export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'molam-id-password-reset' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * Development only (npm run dev): the same logger, redaction included, printed as
 * readable lines. pino-pretty is a dev dependency, loaded only here, never in production.
 */
export async function createReadableLogger(level: string): Promise<Logger> {
  const { default: pretty } = await import('pino-pretty');
  return createLogger(
    level,
    pretty({ sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', singleLine: true }),
  );
}

/** +221770000001 → +221*******01: keeps the country code and the last two digits. */
export function maskPhone(phone: string): string {
  const m = /^(\+\d{1,3})(\d*)(\d{2})$/.exec(phone);
  if (!m) return '***';
  return `${m[1]}${'*'.repeat(m[2]!.length)}${m[3]}`;
}

/** awa.ndiaye@example.sn → a***@example.sn */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** Mask whichever identifier this is. */
export function maskIdentifier(identifier: string): string {
  return identifier.includes('@') ? maskEmail(identifier) : maskPhone(identifier);
}
