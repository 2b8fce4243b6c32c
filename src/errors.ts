// Owns the user-facing error type: an InputError names the file, the line, the offending text and what
// was expected. The CLI prints its message on one line and exits 1 without a stack trace.

export interface InputErrorDetails {
  file?: string;
  line?: number;
  text?: string;
  expected?: string;
}

export class InputError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly text?: string;
  readonly expected?: string;

  constructor(message: string, details: InputErrorDetails = {}) {
    super(InputError.format(message, details));
    this.name = 'InputError';
    this.file = details.file;
    this.line = details.line;
    this.text = details.text;
    this.expected = details.expected;
  }

  private static format(message: string, d: InputErrorDetails): string {
    let where = '';
    if (d.file !== undefined) where = d.line !== undefined ? `${d.file}:${d.line}: ` : `${d.file}: `;
    let s = where + message;
    if (d.text !== undefined) s += ` (found ${JSON.stringify(clip(d.text))})`;
    if (d.expected !== undefined) s += `; expected ${d.expected}`;
    return s;
  }
}

function clip(text: string): string {
  // Binary garbage or a huge line must still give a one-line message.
  const oneLine = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return oneLine.length > 60 ? oneLine.slice(0, 57) + '...' : oneLine;
}

/**
 * A command line that cannot be run as given (a missing or conflicting option, a value of the wrong
 * form): the CLI prints its message on one line and exits 2, like commander's own usage errors.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
