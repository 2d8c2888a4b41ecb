/**
 * Where the first JSON value of a body ends, found as Go's encoding/json
 * scanner finds it (the state machine of scanner.go), so that a body that is
 * not JSON is refused with Go's words: `invalid character '}' looking for
 * beginning of object key string`, `unexpected EOF`, `EOF`. What follows the
 * value is not read, as json.Decoder does not read it.
 */
type State = (c: string) => State | 'end';

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isHex = (c: string) => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

export class GoSyntaxError extends Error {}

/** Go's quoteChar: the character as a Go string literal would show it, in single quotes. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const code = c.codePointAt(0)!;
  const named: Record<string, string> = {
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\b': '\\b',
    '\f': '\\f',
    '\v': '\\v',
    '\x07': '\\a',
    '\\': '\\\\',
  };
  if (named[c]) return `'${named[c]}'`;
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

const fail = (c: string, context: string): never => {
  throw new GoSyntaxError(`invalid character ${quoteChar(c)} ${context}`);
};

/** Returns the offset just past the first JSON value of `text`; throws GoSyntaxError with Go's message. */
export function firstValueEnd(text: string): number {
  const stack: ('key' | 'value' | 'array')[] = [];
  const endValue: State = (c) => {
    const top = stack.at(-1);
    if (top === undefined) return 'end';
    if (isSpace(c)) return endValue;
    if (top === 'key') {
      if (c === ':') {
        stack[stack.length - 1] = 'value';
        return beginValue;
      }
      return fail(c, 'after object key');
    }
    if (top === 'value') {
      if (c === ',') {
        stack[stack.length - 1] = 'key';
        return beginString;
      }
      if (c === '}') {
        stack.pop();
        return endValue;
      }
      return fail(c, 'after object key:value pair');
    }
    if (c === ',') return beginValue;
    if (c === ']') {
      stack.pop();
      return endValue;
    }
    return fail(c, 'after array element');
  };
  const literal =
    (word: string, at: number): State =>
    (c) => {
      if (c !== word[at]) return fail(c, `in literal ${word} (expecting ${quoteChar(word[at]!)})`);
      return at + 1 === word.length ? endValue : literal(word, at + 1);
    };
  const inString: State = (c) => {
    if (c === '"') return endValue;
    if (c === '\\') return inEscape;
    if (c < ' ') return fail(c, 'in string literal');
    return inString;
  };
  const inEscape: State = (c) => {
    if ('bfnrt\\/"'.includes(c)) return inString;
    if (c === 'u') return hex(0);
    return fail(c, 'in string escape code');
  };
  const hex =
    (n: number): State =>
    (c) => {
      if (!isHex(c)) return fail(c, 'in \\u hexadecimal character escape');
      return n === 3 ? inString : hex(n + 1);
    };
  const zero: State = (c) => {
    if (c === '.') return dot;
    if (c === 'e' || c === 'E') return exponent;
    return endValue(c);
  };
  const digits: State = (c) => (isDigit(c) ? digits : zero(c));
  const neg: State = (c) => (c === '0' ? zero : c >= '1' && c <= '9' ? digits : fail(c, 'in numeric literal'));
  const dot: State = (c) => (isDigit(c) ? fraction : fail(c, 'after decimal point in numeric literal'));
  const fraction: State = (c) => (isDigit(c) ? fraction : c === 'e' || c === 'E' ? exponent : endValue(c));
  const exponent: State = (c) => (c === '+' || c === '-' ? exponentSign : exponentSign(c));
  const exponentSign: State = (c) => (isDigit(c) ? exponentDigits : fail(c, 'in exponent of numeric literal'));
  const exponentDigits: State = (c) => (isDigit(c) ? exponentDigits : endValue(c));
  const beginString: State = (c) => {
    if (isSpace(c)) return beginString;
    if (c === '"') return inString;
    return fail(c, 'looking for beginning of object key string');
  };
  const beginValue: State = (c) => {
    if (isSpace(c)) return beginValue;
    switch (c) {
      case '{':
        stack.push('key');
        return beginStringOrEmpty;
      case '[':
        stack.push('array');
        return beginValueOrEmpty;
      case '"':
        return inString;
      case '-':
        return neg;
      case '0':
        return zero;
      case 't':
        return literal('true', 1);
      case 'f':
        return literal('false', 1);
      case 'n':
        return literal('null', 1);
    }
    if (c >= '1' && c <= '9') return digits;
    return fail(c, 'looking for beginning of value');
  };
  const closeEmpty = (): State => {
    stack.pop();
    return endValue;
  };
  const beginStringOrEmpty: State = (c) =>
    isSpace(c) ? beginStringOrEmpty : c === '}' ? closeEmpty() : beginString(c);
  const beginValueOrEmpty: State = (c) => (isSpace(c) ? beginValueOrEmpty : c === ']' ? closeEmpty() : beginValue(c));

  let state: State = beginValue;
  let started = false;
  let i = 0;
  for (const c of text) {
    if (!started && isSpace(c)) {
      i += c.length;
      continue;
    }
    started = true;
    const next = state(c);
    // endValue at the top level: this character is past the value (a space after a number).
    if (next === 'end') return i;
    state = next;
    i += c.length;
    // The value ended with this character (a closing brace, bracket or quote, the last letter of a literal).
    if (stack.length === 0 && state === endValue) return i;
  }
  if (!started) throw new GoSyntaxError('EOF');
  // A top-level number or literal may end at the end of the input; anything else is cut short.
  if (
    stack.length === 0 &&
    (state === endValue || state === digits || state === zero || state === fraction || state === exponentDigits)
  )
    return i;
  throw new GoSyntaxError('unexpected EOF');
}
