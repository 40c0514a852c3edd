import type { UssdCatalog } from './render-ussd-screen.js';

/**
 * Ecrans USSD en francais. Sans accents on purpose: some telcos cannot render
 * them (Africa's Talking warns), and one non-GSM character halves the screen.
 */
export const fr: UssdCatalog = {
  languageName: 'Francais',
  more: 'Suite',
  units: { s: 's', min: 'min', h: 'h' },
  screens: {
    language: 'Molam ID\n{languages}',
    menu: 'Molam ID\n1. Nouveau code PIN\n2. Nouveau mot de passe',
    knowledge_birth_year: 'Verification\nEntrez votre annee de naissance (4 chiffres)\n0. Retour',
    knowledge_id_last4: "Verification\nEntrez les 4 derniers chiffres de votre piece d'identite\n0. Retour",
    enter_code: 'Entrez le code a 6 chiffres recu par SMS\n1. Recevoir un nouveau code\n0. Retour',
    new_pin: 'Choisissez un nouveau code PIN: 4 a 6 chiffres, ni 1234 ni votre annee de naissance\n00. Menu',
    new_password: 'Choisissez un nouveau mot de passe: au moins 8 caracteres\n00. Menu',
    confirm_pin: 'Entrez encore le nouveau code PIN\n0. Retour\n00. Menu',
    confirm_password: 'Entrez encore le nouveau mot de passe\n0. Retour\n00. Menu',
    resume: 'Molam ID\nVous avez une demande en cours.\n1. Continuer\n2. Recommencer',
    wait: 'Votre demande est en cours de traitement. Merci de rappeler dans un instant.',
    done_pin: "Votre code PIN a ete modifie. Un SMS de confirmation va vous etre envoye. Merci d'utiliser Molam ID.",
    done_password: "Votre mot de passe a ete modifie. Un SMS de confirmation va vous etre envoye. Merci d'utiliser Molam ID.",
    cancelled: "Demande annulee. Rien n'a ete modifie.",
    expired: "Votre code a expire. Rien n'a ete modifie. Merci de rappeler pour recommencer.",
    locked: "Trop d'essais incorrects. La demande est bloquee pour le moment. Reessayez plus tard ou voyez un agent Molam.",
    unavailable: "Service indisponible. Rien n'a ete modifie. Merci de reessayer plus tard.",
    refused_no_account: "Aucun compte Molam ID n'utilise ce numero. Un agent Molam peut vous aider.",
    refused_cap_reached: 'Vous avez atteint le nombre de demandes permis ce mois-ci. Un agent Molam peut vous aider.',
    refused_sim_swap: "Votre carte SIM a change recemment. Pour votre securite, voyez un agent Molam avec votre piece d'identite.",
    rate_limited: 'Trop de demandes. Merci de reessayer dans {wait}.',
    too_many_mismatches: "Les deux saisies ne correspondent pas. Rien n'a ete modifie. Merci de rappeler pour recommencer.",
  },
  errors: {
    invalid_choice: 'Choix invalide.',
    empty: 'Merci de saisir une valeur.',
    answer_format: 'Entrez 4 chiffres.',
    answer_wrong: 'Reponse incorrecte. Essais restants: {answersLeft}.',
    code_format: 'Le code a 6 chiffres.',
    code_wrong: 'Code incorrect. Essais restants: {attemptsLeft}.',
    code_resent: 'Un nouveau code a ete envoye.',
    resend_wait: 'Attendez {wait} avant un nouveau code.',
    resend_limit: "Plus aucun code ne peut etre envoye.",
    mismatch: 'Les saisies different. Essais restants: {mismatchesLeft}.',
    secret_format: 'Caracteres non permis.',
    secret_length: 'Longueur incorrecte.',
    secret_sequence: 'Trop simple: evitez les suites comme 1234.',
    secret_repeated: 'Trop simple: evitez les repetitions comme 1111.',
    secret_common: 'Trop courant, choisissez-en un autre.',
    secret_reused: 'Deja utilise, choisissez-en un autre.',
    secret_weak: 'Trop faible, choisissez-en un autre.',
  },
};
