/** English: plain GSM-7 text (tested), every USSD screen <= 182 characters, OTP SMS one segment. */
import type { Catalog } from '../catalog.js';

export const en = {
  countries: ['GH', 'NG', 'UG', 'ZA', 'ZM', 'ZW', 'MW', 'SL', 'LR', 'GM', 'BW', 'NA', 'GB', 'US'],
  notMeWords: ['STOP', 'NOT ME', 'NOTME'],
  ussd: {
    languageName: 'English',
    more: 'More',
    units: { s: '{n} s', min: '{n} min', h: '{n} h' },
    triesLeft: { one: '{n} try left', other: '{n} tries left' },
    screens: {
      language: 'Molam ID\n{languages}',
      menu: 'Molam ID\n1. Reset PIN\n2. Reset password',
      knowledge_birth_year: 'Security check\nEnter your year of birth (4 digits)\n0. Back',
      knowledge_id_last4: 'Security check\nEnter the last 4 digits of your ID number\n0. Back',
      enter_code: 'Enter the 6-digit code we sent you by SMS\n1. Send a new code\n0. Back',
      new_ussd_pin: 'Choose a new PIN: 4 to 6 digits, not 1234 and not your year of birth\n00. Menu',
      new_password: 'Choose a new password: at least 8 characters\n00. Menu',
      confirm_ussd_pin: 'Enter the new PIN again\n0. Back\n00. Menu',
      confirm_password: 'Enter the new password again\n0. Back\n00. Menu',
      resume: 'Molam ID\nYou have a reset in progress.\n1. Continue\n2. Start over',
      wait: 'Your request is being processed. Please dial again in a moment.',
      done_ussd_pin: 'Your PIN has been changed. A confirmation SMS is on its way. Thank you for using Molam ID.',
      done_password: 'Your password has been changed. A confirmation SMS is on its way. Thank you for using Molam ID.',
      cancelled: 'Reset cancelled. Nothing was changed.',
      expired: 'Your code has expired. Nothing was changed. Please dial again to start over.',
      // {wait} is the account's real cool-off: a dial before it ends gets this screen again, no code.
      locked:
        'Too many wrong codes. Reset is blocked for {wait}. Nothing was changed. ' +
        'Dial again after that, or go to a Molam agent.',
      too_many_answers:
        'Too many wrong answers. Reset is blocked for now. Please try again later or go to a Molam agent.',
      too_many_secrets: 'Too many choices were refused. Nothing was changed. Please dial again to start over.',
      unavailable: 'Service unavailable. Nothing was changed. Please try again later.',
      refused_no_account: 'No Molam ID account uses this number. A Molam agent can help you.',
      refused_cap_reached: 'You have reached the number of resets allowed this month. A Molam agent can help you.',
      refused_not_served: 'Molam ID cannot send codes to numbers of this country yet. A Molam agent can help you.',
      refused_sim_swap:
        'Your SIM card changed recently. For your safety, please go to a Molam agent with your ID card.',
      rate_limited: 'Too many requests. Please try again in {wait}.',
      too_many_mismatches: 'The two entries did not match. Nothing was changed. Please dial again to start over.',
    },
    errors: {
      invalid_choice: 'Invalid choice.',
      empty: 'You did not type anything.',
      answer_format: 'Please enter 4 digits.',
      answer_wrong: 'Wrong answer. {answersLeft}.',
      code_format: 'The code has 6 digits.',
      code_wrong: 'Wrong code. {attemptsLeft}.',
      code_resent: 'A new code was sent.',
      resend_wait: 'Please wait {wait} for a new code.',
      resend_limit: 'No more codes can be sent.',
      mismatch: 'The two entries do not match. {mismatchesLeft}.',
      secret_format: 'Some characters are not allowed.',
      secret_length: 'Wrong length.',
      secret_sequence: 'Too simple: avoid sequences like 1234.',
      secret_repeated: 'Too simple: avoid repeats like 1111.',
      secret_common: 'Too common, choose another.',
      secret_reused: 'Used before, choose another.',
      secret_weak: 'Too weak, choose another.',
    },
  },
  politeEnd: {
    busy: 'Molam ID\nYour previous request is still being handled. Please dial again in a moment.',
    slow: 'Molam ID\nStill working on it. Dial again in a minute to continue where you left off.',
    // A hop on a provider session that already got its END.
    closed: 'Molam ID\nThis session has ended. Please dial again to start over.',
    unavailable: 'Molam ID\nService temporarily unavailable. Please try again later.',
  },
  sms: {
    otp: {
      ussd_pin: 'Molam ID: {otp} is your PIN reset code. It expires in {ttl} min. Never share it.\n\n@{domain} #{otp}',
      password:
        'Molam ID: {otp} is your password reset code. It expires in {ttl} min. Never share it.\n\n@{domain} #{otp}',
    },
    resetDone: {
      ussd_pin: 'Molam ID: your PIN was changed. Not you? Reply NOT ME or call customer care now.',
      password: 'Molam ID: your password was changed. Not you? Reply NOT ME or call customer care now.',
    },
    codeAccepted: {
      ussd_pin: 'Molam ID: code confirmed. Dial {ussdCode} to choose your new PIN.',
      password: 'Molam ID: code confirmed. Dial {ussdCode} to choose your new password.',
    },
    replies: {
      code_wrong: 'Molam ID: this code is not valid. Check the SMS and try again.',
      no_reset: 'Molam ID: no reset is in progress for this number.',
      cancelled: 'Molam ID: the reset was cancelled and our team was alerted. Nothing was changed.',
      nothing_to_cancel:
        'Molam ID: no reset is in progress for this number, so there is nothing to cancel. ' +
        'If your PIN or password changed without you, call customer care.',
      help: 'Molam ID: reply with the 6-digit code, or NOT ME if you did not ask for a reset.',
    },
  },
  email: {
    otp: {
      ussd_pin: {
        subject: 'Your Molam ID PIN reset code',
        body:
          'Your Molam ID PIN reset code is {otp}. It expires in {ttl} minutes.\n\n' +
          'If you did not ask for it, ignore this email: your PIN stays unchanged.',
      },
      password: {
        subject: 'Your Molam ID password reset code',
        body:
          'Your Molam ID password reset code is {otp}. It expires in {ttl} minutes.\n\n' +
          'If you did not ask for it, ignore this email: your password stays unchanged.',
      },
    },
    resetDone: {
      ussd_pin: {
        subject: 'Your Molam ID PIN was changed',
        body: 'Your Molam ID PIN was changed just now.\n\nNot you? Contact Molam customer care immediately.',
      },
      password: {
        subject: 'Your Molam ID password was changed',
        body: 'Your Molam ID password was changed just now.\n\nNot you? Contact Molam customer care immediately.',
      },
    },
  },
} satisfies Catalog;
