/**
 * Recognizes "a dependency is unreachable" errors from pg and ioredis, so they
 * answer 503 service_unavailable (retry later) instead of a generic 500.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function isDependencyDown(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // SQLSTATE class 08 (connection exception) and 57P01-57P03 (server shutting down / not accepting).
    if (/^08/.test(code) || /^57P0[123]$/.test(code)) return true;
  }
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /Connection terminated|Connection is closed|connect ECONNREFUSED|timeout exceeded when trying to connect|Stream isn't writeable|Query read timeout|Command timed out|enableOfflineQueue/i.test(
      err.message,
    )
  );
}
