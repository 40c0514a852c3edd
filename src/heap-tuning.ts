/**
 * How far V8 lets the heap grow between full collections. By default it grows the old generation by
 * up to 4× what survived the last one when allocation is fast (a traffic peak), and the process keeps
 * that memory. This service keeps no dialog in process (dialogs live in Redis), so what survives is
 * small and steady: a 20 % step kept RSS growth after 10,000 dials at 15–31 MB instead of 47–103 MB,
 * for 0–10 % more CPU per hop (issue 12, bench/issue-12-notes.md).
 *
 * Set here rather than on the command line so that every launcher applies it (npm start, the image's
 * CMD, PM2, cluster workers, npm run dev): V8 reads the flag each time it sizes the heap after a
 * collection (heap-controller.cc, GrowingFactor), and Node 20 does not freeze flags after start.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 20;

setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
