/** Codes of the errors the patches raise. */
export type PatchErrorCode =
  | 'ERR_PATCH_UNKNOWN'
  | 'ERR_PATCH_TARGET'
  | 'ERR_PHP_PARSE'
  | 'ERR_PATCH_ANCHORS_CHANGED'
  | 'ERR_PATCH_NOT_APPLICABLE'
  | 'ERR_PHP_LINT'
  | 'ERR_PATCH_WRITE';

/** Base class of the patch errors: a one-line message, a stable `code` and the `cause` when there is one. */
export class PatchError extends Error {
  readonly code: PatchErrorCode;
  constructor(code: PatchErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PatchError';
    this.code = code;
  }
}

/** No patch has that id. */
export class UnknownPatchError extends PatchError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_PATCH_UNKNOWN', message, options);
    this.name = 'UnknownPatchError';
  }
}

/** The target directory is not what the patch needs: missing, not the right app, no version, no target file. */
export class PatchTargetError extends PatchError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_PATCH_TARGET', message, options);
    this.name = 'PatchTargetError';
  }
}

/** The target file (or version.php) is not valid PHP for the parser. */
export class PhpParseError extends PatchError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_PHP_PARSE', message, options);
    this.name = 'PhpParseError';
  }
}

/**
 * A version that should have the patch's anchors does not: the upstream code changed and the patch must be
 * updated. The message names the missing anchor.
 */
export class AnchorsChangedError extends PatchError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_PATCH_ANCHORS_CHANGED', message, options);
    this.name = 'AnchorsChangedError';
  }
}

/** The patch does not apply to this version (and is not needed there). */
export class PatchNotApplicableError extends PatchError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_PATCH_NOT_APPLICABLE', message, options);
    this.name = 'PatchNotApplicableError';
  }
}

/** The patched file does not pass `php -l` although the original does: nothing is written. */
export class PhpLintError extends PatchError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_PHP_LINT', message, options);
    this.name = 'PhpLintError';
  }
}

/** Writing the patched file failed, or the file changed while it was being patched; the original is left as it was. */
export class PatchWriteError extends PatchError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_PATCH_WRITE', message, options);
    this.name = 'PatchWriteError';
  }
}
