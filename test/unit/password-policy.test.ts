// Pure unit tests on the real zxcvbn-ts dictionaries (language-common).
import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy } from '../../src/security/password-policy.js';

const USER = ['+221 77 123 45 67', 'amadou.diallo@example.sn'];

describe('checkPasswordPolicy', () => {
  it.each([
    'correct horse battery staple',
    'dakar-baobab-tamarind',
    'Baobab!Sunset#42',
    'le thiéboudienne de maman',
    'mon chat dort sur le toit rouge',
  ])('accepts the passphrase %j', (password) => {
    expect(checkPasswordPolicy(password, USER)).toBeNull();
  });

  it.each(['password1', 'azerty123', 'Password1', 'qwerty123', 'P@ssw0rd', 'drowssap', 'iloveyou', 'azertyuiop'])(
    'rejects the known password %j as common',
    (password) => {
      expect(checkPasswordPolicy(password)).toBe('common');
    },
  );

  it.each(['', 'abc', 'Ab1!xyz', 'é'.repeat(7)])('rejects %j as too short', (password) => {
    expect(checkPasswordPolicy(password)).toBe('length');
  });

  it('counts code points after NFC, not UTF-16 units', () => {
    // Eight emoji are 16 UTF-16 units but 8 characters: long enough.
    expect(checkPasswordPolicy('🦁🌍🥭🌴🐘🎶🌅🪘')).not.toBe('length');
    // "e" + combining acute (NFD) is one character after NFC: 7 here.
    expect(checkPasswordPolicy('e\u0301'.repeat(7))).toBe('length');
  });

  it('rejects more than 128 characters', () => {
    expect(checkPasswordPolicy('a7#Kq'.repeat(25) + 'xyzw')).toBe('length');
    expect(checkPasswordPolicy('a7#Kq'.repeat(25) + 'xyz')).not.toBe('length');
  });

  it('rejects the phone number, its national part or the email local part as common', () => {
    for (const password of [
      '221771234567',
      '771234567',
      '+221771234567',
      'amadou.diallo',
      'Amadou.Diallo',
      'amadou.diallo@example.sn',
    ]) {
      expect(checkPasswordPolicy(password, USER)).toBe('common');
    }
  });

  it('rejects a lightly decorated user input as weak', () => {
    expect(checkPasswordPolicy('Amadou.Diallo1', USER)).toBe('weak');
  });

  it.each(['aaaaaaaaaa', 'abcdefgh12', 'qsdfghjklm', 'zxcvbnm,./', 'bonjour123', 'Molam2024!'])(
    'rejects the guessable pattern %j as weak',
    (password) => {
      expect(checkPasswordPolicy(password)).toBe('weak');
    },
  );

  it('imposes no composition rule: an all-lowercase passphrase passes', () => {
    expect(checkPasswordPolicy('the quiet river near ziguinchor')).toBeNull();
  });
});
