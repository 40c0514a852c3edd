/**
 * Kiswahili, for Kenya and Tanzania: the words of the M-Pesa / Tigo Pesa menus
 * people already read daily, short and plain; GSM-7 only (Swahili needs no accents).
 *
 * Glossary (why each word):
 * - PIN: "PIN", as every mobile money menu in KE and TZ says ("Weka PIN");
 *   "nambari ya siri" is longer and reads like a password.
 * - code (OTP): "msimbo", the word banks and M-Pesa use for a code sent by SMS.
 * - password: "neno la siri", the common term on both sides of the border
 *   ("nenosiri" is the TZ written form, less known in Kenya).
 * - agent: "wakala", the M-Pesa / Tigo Pesa agent everybody knows.
 * - reset: "badilisha" (change); "weka upya" is literal but stiff.
 * - enter / type: "Weka"; send: "Tuma"; back: "Rudi"; start over: "Anza upya".
 * - dial: "piga" (piga *384#), the verb used for calls and USSD codes.
 * - digits: "tarakimu", taught in school and used by banks ("tarakimu 4").
 * - request: "ombi"; customer care: "huduma kwa wateja"; ID card: "kitambulisho".
 * - waits: "sek 45", "dak 12", "saa 3" (sekunde, dakika, saa): the unit before the number, as spoken.
 */
import type { Catalog } from '../catalog.js';

export const sw = {
  countries: ['KE', 'TZ'],
  notMeWords: ['SI MIMI', 'SIO MIMI', 'SIMIMI', 'HAPANA'],
  ussd: {
    languageName: 'Kiswahili',
    more: 'Zaidi',
    units: { s: 'sek {n}', min: 'dak {n}', h: 'saa {n}' },
    // jaribio / majaribio (class 5/6): the verb agrees, li- for one, ya- for more.
    triesLeft: { one: 'jaribio {n} limebaki', other: 'majaribio {n} yamebaki' },
    screens: {
      language: 'Molam ID\n{languages}',
      menu: 'Molam ID\n1. Badilisha PIN\n2. Badilisha neno la siri',
      knowledge_birth_year: 'Uthibitisho\nWeka mwaka wako wa kuzaliwa (tarakimu 4)\n0. Rudi',
      knowledge_id_last4: 'Uthibitisho\nWeka tarakimu 4 za mwisho za nambari ya kitambulisho chako\n0. Rudi',
      enter_code: 'Weka msimbo wa tarakimu 6 uliotumiwa kwa SMS\n1. Tuma msimbo mpya\n0. Rudi',
      new_ussd_pin: 'Chagua PIN mpya: tarakimu 4 hadi 6, si 1234 wala mwaka wako wa kuzaliwa\n00. Menyu',
      new_password: 'Chagua neno la siri jipya: angalau herufi 8\n00. Menyu',
      confirm_ussd_pin: 'Weka PIN mpya tena\n0. Rudi\n00. Menyu',
      confirm_password: 'Weka neno la siri jipya tena\n0. Rudi\n00. Menyu',
      resume: 'Molam ID\nUna ombi ambalo halijakamilika.\n1. Endelea\n2. Anza upya',
      wait: 'Ombi lako linashughulikiwa. Tafadhali piga tena baada ya muda mfupi.',
      done_ussd_pin: 'PIN yako imebadilishwa. Utapokea SMS ya uthibitisho. Asante kwa kutumia Molam ID.',
      done_password: 'Neno lako la siri limebadilishwa. Utapokea SMS ya uthibitisho. Asante kwa kutumia Molam ID.',
      cancelled: 'Ombi limesitishwa. Hakuna kilichobadilishwa.',
      expired: 'Muda wa msimbo wako umekwisha. Hakuna kilichobadilishwa. Tafadhali piga tena uanze upya.',
      locked:
        'Umekosea msimbo mara nyingi. Ombi limezuiwa kwa {wait}. Hakuna kilichobadilishwa. ' +
        'Piga tena baadaye au nenda kwa wakala wa Molam.',
      too_many_answers:
        'Umekosea majibu mara nyingi. Ombi limezuiwa kwa sasa. Jaribu tena baadaye au nenda kwa wakala wa Molam.',
      too_many_secrets: 'Chaguo nyingi zimekataliwa. Hakuna kilichobadilishwa. Tafadhali piga tena uanze upya.',
      unavailable: 'Huduma haipatikani. Hakuna kilichobadilishwa. Tafadhali jaribu tena baadaye.',
      refused_no_account: 'Hakuna akaunti ya Molam ID yenye nambari hii. Wakala wa Molam anaweza kukusaidia.',
      refused_cap_reached: 'Umefikia idadi ya maombi yanayoruhusiwa mwezi huu. Wakala wa Molam anaweza kukusaidia.',
      refused_not_served: 'Molam ID bado haitumi misimbo kwa nambari za nchi hii. Wakala wa Molam anaweza kukusaidia.',
      refused_sim_swap:
        'SIM kadi yako imebadilishwa hivi karibuni. Kwa usalama wako, nenda kwa wakala wa Molam na kitambulisho chako.',
      rate_limited: 'Maombi mengi mno. Tafadhali jaribu tena baada ya {wait}.',
      too_many_mismatches:
        'Ulichoweka mara ya pili si sawa na cha kwanza. Hakuna kilichobadilishwa. Tafadhali piga tena uanze upya.',
    },
    errors: {
      invalid_choice: 'Chaguo si sahihi.',
      empty: 'Hukuandika chochote.',
      answer_format: 'Weka tarakimu 4.',
      answer_wrong: 'Jibu si sahihi, {answersLeft}.',
      code_format: 'Msimbo una tarakimu 6.',
      code_wrong: 'Msimbo si sahihi, {attemptsLeft}.',
      code_resent: 'Msimbo mpya umetumwa.',
      resend_wait: 'Subiri {wait} kupata msimbo mpya.',
      resend_limit: 'Hatuwezi kutuma msimbo mwingine.',
      mismatch: 'Si sawa na cha kwanza, {mismatchesLeft}.',
      // Neutral on PIN / password: "tofauti" (a different one) needs no noun-class agreement.
      secret_format: 'Kuna herufi zisizoruhusiwa.',
      secret_length: 'Urefu si sahihi.',
      secret_sequence: 'Rahisi mno: epuka mfuatano kama 1234.',
      secret_repeated: 'Rahisi mno: epuka kurudia kama 1111.',
      secret_common: 'Rahisi kukisia, chagua tofauti.',
      secret_reused: 'Uliitumia awali, chagua tofauti.',
      secret_weak: 'Dhaifu mno, chagua tofauti.',
    },
  },
  politeEnd: {
    busy: 'Molam ID\nOmbi lako la awali bado linashughulikiwa. Tafadhali piga tena baada ya muda mfupi.',
    slow: 'Molam ID\nBado tunashughulikia. Piga tena baada ya dakika moja uendelee ulipofikia.',
    // A hop on a provider session that already got its END.
    closed: 'Molam ID\nKipindi hiki kimekwisha. Tafadhali piga tena uanze upya.',
    unavailable: 'Molam ID\nHuduma haipatikani kwa sasa. Tafadhali jaribu tena baadaye.',
  },
  sms: {
    otp: {
      ussd_pin:
        'Molam ID: {otp} ni msimbo wako wa kubadilisha PIN. Unaisha baada ya dakika {ttl}. Usimpe mtu yeyote.' +
        '\n\n@{domain} #{otp}',
      password:
        'Molam ID: {otp} ni msimbo wa kubadilisha neno la siri. Unaisha baada ya dakika {ttl}. Usimpe mtu yeyote.' +
        '\n\n@{domain} #{otp}',
    },
    resetDone: {
      ussd_pin: 'Molam ID: PIN yako imebadilishwa. Si wewe? Jibu SI MIMI au piga simu huduma kwa wateja sasa.',
      password:
        'Molam ID: neno lako la siri limebadilishwa. Si wewe? Jibu SI MIMI au piga simu huduma kwa wateja sasa.',
    },
    codeAccepted: {
      ussd_pin: 'Molam ID: msimbo umethibitishwa. Piga {ussdCode} uchague PIN mpya.',
      password: 'Molam ID: msimbo umethibitishwa. Piga {ussdCode} uchague neno la siri jipya.',
    },
    replies: {
      code_wrong: 'Molam ID: msimbo huu si sahihi. Angalia SMS kisha ujaribu tena.',
      no_reset: 'Molam ID: hakuna ombi linaloendelea kwa nambari hii.',
      cancelled: 'Molam ID: ombi limesitishwa na timu yetu imearifiwa. Hakuna kilichobadilishwa.',
      nothing_to_cancel:
        'Molam ID: hakuna ombi linaloendelea kwa nambari hii. ' +
        'Kama PIN au neno la siri limebadilishwa bila wewe, piga simu huduma kwa wateja.',
      help: 'Molam ID: jibu kwa msimbo wa tarakimu 6, au SI MIMI kama hukuomba kubadilisha.',
    },
  },
  email: {
    otp: {
      ussd_pin: {
        subject: 'Msimbo wako wa kubadilisha PIN ya Molam ID',
        body:
          'Msimbo wako wa kubadilisha PIN ya Molam ID ni {otp}. Unaisha baada ya dakika {ttl}.\n\n' +
          'Kama hukuuomba, puuza barua pepe hii: PIN yako haitabadilika.',
      },
      password: {
        subject: 'Msimbo wako wa kubadilisha neno la siri la Molam ID',
        body:
          'Msimbo wako wa kubadilisha neno la siri la Molam ID ni {otp}. Unaisha baada ya dakika {ttl}.\n\n' +
          'Kama hukuuomba, puuza barua pepe hii: neno lako la siri halitabadilika.',
      },
    },
    resetDone: {
      ussd_pin: {
        subject: 'PIN yako ya Molam ID imebadilishwa',
        body:
          'PIN yako ya Molam ID imebadilishwa sasa hivi.\n\n' +
          'Si wewe? Wasiliana na huduma kwa wateja ya Molam mara moja.',
      },
      password: {
        subject: 'Neno lako la siri la Molam ID limebadilishwa',
        body:
          'Neno lako la siri la Molam ID limebadilishwa sasa hivi.\n\n' +
          'Si wewe? Wasiliana na huduma kwa wateja ya Molam mara moja.',
      },
    },
  },
} satisfies Catalog;
