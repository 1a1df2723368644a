import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

/**
 * A unified diff of one file, with paths `a/<file>` and `b/<file>` relative to the app or server root, as
 * `patch -p1` and `git apply` take it (run from that root). CRLF lines keep their `\r`.
 */
export function renderPatchDiff(file: string, original: string, patched: string): string {
  if (original === patched) return '';
  return createTwoFilesPatch(`a/${file}`, `b/${file}`, original, patched, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
}
