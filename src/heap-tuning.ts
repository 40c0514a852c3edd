/**
 * How far V8 lets the heap grow between full collections. By default it grows the old generation by
 * up to 4× what survived the last one when allocation is fast (a traffic peak), and the process keeps
 * that memory. This service keeps no dialog in process (dialogs live in Redis), so what survives is
 * small and steady. Measured after 10,000 dials (issue 12, bench/issue-12-notes.md): RSS growth
 * 56–94 MB by default, 21–22 MB at 50 %, 15 MB at 20 %; process CPU per hop under maximum load within
 * 0–10 % of the default at 50 %, but 12–26 % more at 20 % (more full collections). 50 % it is.
 *
 * Set here rather than on the command line so that every launcher applies it (npm start, the image's
 * CMD, PM2, cluster workers, npm run dev): V8 reads the flag each time it sizes the heap after a
 * collection (heap-controller.cc, GrowingFactor), and Node 20 does not freeze flags after start.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 50;

setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
