/**
 * Every language's catalog, by code. Adding a language: its catalog file here,
 * its code in LANGS (machines/types.ts, the language screen's order) and one
 * entry below; the compiler refuses this record until all three agree.
 */
import type { Lang } from '../../../machines/types.js';
import type { Catalog } from '../catalog.js';
import { en } from './en.js';
import { fr } from './fr.js';
import { sw } from './sw.js';

export const CATALOGS: Readonly<Record<Lang, Catalog>> = { fr, en, sw };
