// Minimal typings for the two untyped dev dependencies the bench uses.
declare module 'autocannon' {
  interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (req: Request, context: Record<string, unknown>) => Request;
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    overallRate?: number;
    timeout?: number;
    requests?: Request[];
  }
  interface Histogram {
    average: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
  }
  interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  interface Instance {
    stop(): void;
    on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  }
  function autocannon(opts: Options, cb: (err: Error | null, result: Result) => void): Instance;
  export default autocannon;
}

declare module 'ussd-menu-builder' {
  interface SessionConfig {
    start(id: string): Promise<unknown>;
    get(id: string, key: string): Promise<unknown>;
    set(id: string, key: string, value: string): Promise<unknown>;
    end(id: string): Promise<unknown>;
  }
  interface Session {
    get(key: string): Promise<unknown>;
    set(key: string, value: string): Promise<unknown>;
  }
  interface StateOptions {
    run: () => void;
    next?: Record<string, string>;
    defaultNext?: string;
  }
  export default class UssdMenu {
    session: Session;
    val: string;
    sessionConfig(config: SessionConfig): void;
    startState(options: StateOptions): this;
    state(name: string, options: StateOptions): this;
    con(text: string): void;
    end(text: string): void;
    on(event: 'error', fn: (err: Error) => void): this;
    run(args: Record<string, string>): Promise<string>;
  }
}
