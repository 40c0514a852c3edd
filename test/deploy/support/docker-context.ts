/**
 * The build context `docker build .` would send: the working tree filtered by
 * .dockerignore, with Docker's rules for the patterns we use (`*`, `**`, `?`,
 * `!` exceptions, last match wins, a match on a parent folder covers its files).
 */
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface Rule {
  negate: boolean;
  raw: string;
  re: RegExp;
}

function toRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` also matches no folder at all, as in Docker.
      re += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerignore(text: string): Rule[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const raw = path.posix.normalize((negate ? line.slice(1) : line).replace(/^\/+/, '')).replace(/\/$/, '');
      return { negate, raw, re: toRegExp(raw) };
    });
}

/** True when `rel` (posix, relative to the context) is left out of the context. */
export function isIgnored(rules: Rule[], rel: string): boolean {
  const parts = rel.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.re.test(p))) ignored = !rule.negate;
  }
  return ignored;
}

/** An ignored folder is still walked when an exception could bring back something inside it. */
function mayHoldExceptions(rules: Rule[], rel: string): boolean {
  return rules.some((r) => r.negate && (r.raw.startsWith(`${rel}/`) || r.raw.startsWith('**')));
}

/** Copies the context of `root` into `dest`; returns the relative paths of the files copied. */
export function copyBuildContext(root: string, dest: string): string[] {
  const rules = parseDockerignore(readFileSync(path.join(root, '.dockerignore'), 'utf8'));
  const copied: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!isIgnored(rules, child) || mayHoldExceptions(rules, child)) walk(child);
      } else if (!isIgnored(rules, child)) {
        mkdirSync(path.join(dest, rel), { recursive: true });
        cpSync(path.join(root, child), path.join(dest, child));
        copied.push(child);
      }
    }
  };
  walk('');
  return copied;
}
