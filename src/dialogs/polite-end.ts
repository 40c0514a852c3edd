/** END screens the runtime itself answers when it cannot run the dialog (busy, slow, outage, session over). */
import type { ScreenReply } from '../../machines/dialog-event.js';
import type { Lang } from '../../machines/types.js';
import type { PoliteEnd } from '../i18n/catalog.js';
import { CATALOGS } from '../i18n/catalogs/index.js';
import { languageOfCountry } from '../i18n/languages.js';
import { normalizePhone } from '../services/identifiers.js';

export function politeEnd(why: PoliteEnd, lang: Lang): ScreenReply & { screenId: string } {
  return { text: CATALOGS[lang].politeEnd[why], end: true, screenId: `runtime_${why}` };
}

/** Without the dialog at hand, the usual language of the caller's country (no I/O: this runs during outages). */
export const languageOfPhone = (phone: string): Lang => languageOfCountry(normalizePhone(phone, 'SN')?.country) ?? 'fr';
