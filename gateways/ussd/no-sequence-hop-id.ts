/**
 * hopId for providers that number nothing (Arkesel, Nalo): the request holds
 * the session id and the latest input only. A repeated request and a user
 * typing the same answer again are then indistinguishable, and the PIN reset
 * requires the second case (new PIN, then the same PIN to confirm). So the
 * dial, whose content never varies, keeps one fixed id (a retried dial gets
 * the stored first screen), and every later request is a hop of its own. A
 * provider retry after the dial is answered as a new input; neither provider
 * documents retrying.
 */
import { randomUUID } from 'node:crypto';

export const DIAL_HOP_ID = '';

export const hopIdWithoutSequence = (newSession: boolean): string => (newSession ? DIAL_HOP_ID : randomUUID());
