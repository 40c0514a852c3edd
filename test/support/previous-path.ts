/** A PreviousPath as the runtime builds it from a session's trace, for pure tests of latestInput. */
import type { PreviousPath } from '../../machines/dialog-event.js';

export const previousPathOf = (path: string | null): PreviousPath | null =>
  path === null ? null : { length: path.length, is: (text) => text === path };
