/** END screens the runtime itself answers when it cannot run the dialog (busy, slow, outage, session over). */
import type { ScreenReply } from '../../machines/dialog-event.js';
import type { Lang } from '../../machines/types.js';
import { normalizePhone } from '../services/identifiers.js';
import { languageOfCountry } from './dialog-profile.js';

const TEXTS: Record<'busy' | 'slow' | 'unavailable' | 'closed', Record<Lang, string>> = {
  busy: {
    fr: 'Molam ID\nVotre demande precedente est en cours. Merci de rappeler dans un instant.',
    en: 'Molam ID\nYour previous request is still being handled. Please dial again in a moment.',
  },
  slow: {
    fr: 'Molam ID\nTraitement en cours. Rappelez dans une minute pour continuer ou vous en etiez.',
    en: 'Molam ID\nStill working on it. Dial again in a minute to continue where you left off.',
  },
  // A hop on a provider session that already got its END.
  closed: {
    fr: 'Molam ID\nCette session est terminee. Composez a nouveau le code pour recommencer.',
    en: 'Molam ID\nThis session has ended. Dial the code again to start over.',
  },
  unavailable: {
    fr: 'Molam ID\nService momentanement indisponible. Merci de reessayer plus tard.',
    en: 'Molam ID\nService temporarily unavailable. Please try again later.',
  },
};

export function politeEnd(why: keyof typeof TEXTS, lang: Lang): ScreenReply & { screenId: string } {
  return { text: TEXTS[why][lang], end: true, screenId: `runtime_${why}` };
}

/** Without the dialog at hand, the usual language of the caller's country (no I/O: this runs during outages). */
export const languageOfPhone = (phone: string): Lang => languageOfCountry(normalizePhone(phone, 'SN')?.country) ?? 'fr';
