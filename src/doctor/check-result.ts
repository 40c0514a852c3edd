/** One finding of `npm run doctor`: what was checked, how it stands, and what to do about it. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** What was found; never a secret (names of variables, hosts, counts). */
  detail: string;
  /** What the operator does to fix it. */
  fix?: string;
}

export type DoctorEnv = Readonly<Record<string, string | undefined>>;

export const isSet = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

/** Unset NODE_ENV is production, as for the service itself. */
export const isProduction = (env: DoctorEnv) => !isSet(env.NODE_ENV) || env.NODE_ENV === 'production';

/** A host[:port] of a connection URL, credentials left out. */
export function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname.length > 1 && u.protocol.startsWith('postgres') ? u.pathname : ''}`;
  } catch {
    return '(not a URL)';
  }
}

/** An error's message for the report, without the URL (and its password) that some drivers echo. */
export const reasonOf = (err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  return (e.code ?? e.message ?? String(err)).replace(/\w+:\/\/\S+/g, '<url>');
};

/** Rejects after ms: a check must never hang the doctor. */
export function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: `no answer within ${ms} ms` })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
