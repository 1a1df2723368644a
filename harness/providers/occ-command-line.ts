import { HarnessError } from '../harness-error.ts';

/**
 * Splits an occ command line (`docker exec -u www-data nc php occ`, `sudo -u www-data php /srv/nextcloud/occ`)
 * into words the way a POSIX shell would for plain words, single quotes, double quotes and backslashes,
 * without running a shell: no variables, globs, pipes or command substitution. Throws ERR_BAD_OPTION for an
 * unterminated quote or an empty line.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) word += line[++i]!;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 < line.length) word += line[++i]!;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new HarnessError('ERR_BAD_OPTION', `--occ has an unterminated ${quote === '"' ? 'double' : 'single'} quote: close it`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new HarnessError('ERR_BAD_OPTION', '--occ is empty: give the command line that runs occ, e.g. "docker exec -u www-data nc php occ"');
  return words;
}
