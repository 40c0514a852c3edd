/**
 * Francais. USSD and SMS texts without accents on purpose: some telcos cannot
 * render them (Africa's Talking warns), and one non-GSM character halves a USSD
 * screen and an SMS segment. Email is UTF-8 (gateways/ses-email.ts): accents there.
 */
import type { Catalog } from '../catalog.js';

export const fr = {
  // prettier-ignore
  countries: [
    'SN', 'CI', 'ML', 'BF', 'NE', 'TG', 'BJ', 'GN', 'MR',
    'CM', 'CD', 'CG', 'GA', 'TD', 'CF', 'MG', 'BI', 'DJ', 'KM', 'FR',
  ],
  notMeWords: ['NON', 'PAS MOI', 'ARRET'],
  ussd: {
    languageName: 'Francais',
    more: 'Suite',
    units: { s: '{n} s', min: '{n} min', h: '{n} h' },
    // French: 0 and 1 take the singular (Intl.PluralRules('fr') says "one" for both).
    triesLeft: { one: '{n} essai restant', other: '{n} essais restants' },
    screens: {
      language: 'Molam ID\n{languages}',
      menu: 'Molam ID\n1. Nouveau code PIN\n2. Nouveau mot de passe',
      knowledge_birth_year: 'Verification\nEntrez votre annee de naissance (4 chiffres)\n0. Retour',
      knowledge_id_last4: "Verification\nEntrez les 4 derniers chiffres de votre piece d'identite\n0. Retour",
      enter_code: 'Entrez le code a 6 chiffres recu par SMS\n1. Recevoir un nouveau code\n0. Retour',
      new_ussd_pin: 'Choisissez un nouveau code PIN: 4 a 6 chiffres, ni 1234 ni votre annee de naissance\n00. Menu',
      new_password: 'Choisissez un nouveau mot de passe: au moins 8 caracteres\n00. Menu',
      confirm_ussd_pin: 'Entrez encore le nouveau code PIN\n0. Retour\n00. Menu',
      confirm_password: 'Entrez encore le nouveau mot de passe\n0. Retour\n00. Menu',
      resume: 'Molam ID\nVous avez une demande en cours.\n1. Continuer\n2. Recommencer',
      wait: 'Votre demande est en cours de traitement. Merci de rappeler dans un instant.',
      done_ussd_pin:
        "Votre code PIN a ete modifie. Un SMS de confirmation va vous etre envoye. Merci d'utiliser Molam ID.",
      done_password:
        "Votre mot de passe a ete modifie. Un SMS de confirmation va vous etre envoye. Merci d'utiliser Molam ID.",
      cancelled: "Demande annulee. Rien n'a ete modifie.",
      expired: "Votre code a expire. Rien n'a ete modifie. Merci de rappeler pour recommencer.",
      locked:
        "Trop de codes incorrects. Demande bloquee pendant {wait}. Rien n'a ete modifie. " +
        'Rappelez ensuite ou allez voir un agent Molam.',
      too_many_answers:
        'Trop de reponses incorrectes. La demande est bloquee pour le moment. ' +
        'Reessayez plus tard ou allez voir un agent Molam.',
      too_many_secrets: "Trop de choix refuses. Rien n'a ete modifie. Merci de rappeler pour recommencer.",
      unavailable: "Service indisponible. Rien n'a ete modifie. Merci de reessayer plus tard.",
      refused_no_account: "Aucun compte Molam ID n'utilise ce numero. Un agent Molam peut vous aider.",
      refused_cap_reached: 'Vous avez atteint le nombre de demandes permis ce mois-ci. Un agent Molam peut vous aider.',
      refused_not_served:
        "Molam ID n'envoie pas encore de codes aux numeros de ce pays. Un agent Molam peut vous aider.",
      refused_sim_swap:
        'Votre carte SIM a change recemment. Pour votre securite, ' +
        "rendez-vous chez un agent Molam avec votre piece d'identite.",
      rate_limited: 'Trop de demandes. Merci de reessayer dans {wait}.',
      too_many_mismatches:
        "Les deux saisies ne correspondent pas. Rien n'a ete modifie. Merci de rappeler pour recommencer.",
    },
    errors: {
      invalid_choice: 'Choix invalide.',
      empty: "Vous n'avez rien saisi.",
      answer_format: 'Entrez 4 chiffres.',
      answer_wrong: 'Reponse incorrecte, {answersLeft}.',
      code_format: 'Le code a 6 chiffres.',
      code_wrong: 'Code incorrect, {attemptsLeft}.',
      code_resent: 'Un nouveau code a ete envoye.',
      resend_wait: 'Attendez {wait} avant un nouveau code.',
      resend_limit: 'Plus aucun code ne peut etre envoye.',
      mismatch: 'Les saisies ne correspondent pas, {mismatchesLeft}.',
      secret_format: 'Caracteres non permis.',
      secret_length: 'Longueur incorrecte.',
      secret_sequence: 'Trop simple: evitez les suites comme 1234.',
      secret_repeated: 'Trop simple: evitez les repetitions comme 1111.',
      secret_common: 'Trop courant, choisissez-en un autre.',
      secret_reused: 'Deja utilise, choisissez-en un autre.',
      secret_weak: 'Trop faible, choisissez-en un autre.',
    },
  },
  politeEnd: {
    busy: 'Molam ID\nVotre demande precedente est en cours. Merci de rappeler dans un instant.',
    slow: 'Molam ID\nTraitement en cours. Rappelez dans une minute pour continuer ou vous en etiez.',
    // A hop on a provider session that already got its END.
    closed: 'Molam ID\nCette session est terminee. Merci de rappeler pour recommencer.',
    unavailable: 'Molam ID\nService momentanement indisponible. Merci de reessayer plus tard.',
  },
  sms: {
    otp: {
      ussd_pin:
        'Molam ID: {otp} est votre code pour changer de PIN. Valable {ttl} min. Ne le partagez jamais.' +
        '\n\n@{domain} #{otp}',
      password:
        'Molam ID: {otp} est votre code pour changer de mot de passe. Valable {ttl} min. Ne le partagez jamais.' +
        '\n\n@{domain} #{otp}',
    },
    resetDone: {
      ussd_pin: 'Molam ID: votre PIN a ete change. Pas vous ? Repondez NON ou appelez le service client.',
      password: 'Molam ID: votre mot de passe a ete change. Pas vous ? Repondez NON ou appelez le service client.',
    },
    codeAccepted: {
      ussd_pin: 'Molam ID: code confirme. Composez {ussdCode} pour choisir votre nouveau PIN.',
      password: 'Molam ID: code confirme. Composez {ussdCode} pour choisir votre nouveau mot de passe.',
    },
    replies: {
      code_wrong: "Molam ID: ce code n'est pas valide. Verifiez le SMS et reessayez.",
      no_reset: 'Molam ID: aucune demande en cours pour ce numero.',
      cancelled: "Molam ID: la demande est annulee et notre equipe est alertee. Rien n'a ete modifie.",
      nothing_to_cancel:
        'Molam ID: aucune demande en cours pour ce numero, rien a annuler. ' +
        'Si votre PIN ou mot de passe a change sans vous, appelez le service client.',
      help: "Molam ID: repondez avec le code a 6 chiffres, ou NON si vous n'avez rien demande.",
    },
  },
  email: {
    otp: {
      ussd_pin: {
        subject: 'Votre code pour changer de PIN Molam ID',
        body:
          'Votre code Molam ID pour changer de PIN est {otp}. Il expire dans {ttl} minutes.\n\n' +
          "Si vous ne l'avez pas demandé, ignorez cet e-mail : votre PIN reste inchangé.",
      },
      password: {
        subject: 'Votre code pour changer de mot de passe Molam ID',
        body:
          'Votre code Molam ID pour changer de mot de passe est {otp}. Il expire dans {ttl} minutes.\n\n' +
          "Si vous ne l'avez pas demandé, ignorez cet e-mail : votre mot de passe reste inchangé.",
      },
    },
    resetDone: {
      ussd_pin: {
        subject: 'Votre PIN Molam ID a été changé',
        body: "Votre PIN Molam ID vient d'être changé.\n\nPas vous ? Contactez immédiatement le service client Molam.",
      },
      password: {
        subject: 'Votre mot de passe Molam ID a été changé',
        body:
          "Votre mot de passe Molam ID vient d'être changé.\n\n" +
          'Pas vous ? Contactez immédiatement le service client Molam.',
      },
    },
  },
} satisfies Catalog;
