// Reads the tiny subset of Bash that livekit.conf may use: `NAME=word` and `NAME=( words )`
// assignments, comments, quoting. It never executes anything: every other construct (command
// substitution, expansions, globs, redirections, other statements) is refused with its line.

export class ConfSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface ConfWord {
  text: string;
  line: number;
}

export interface ConfAssignment {
  name: string;
  line: number;
  kind: 'scalar' | 'array';
  words: ConfWord[];
}

/**
 * Variables a value may reference. AOSC media write `TEMPLATE_x="desktop.$FSTYPE"` after
 * `FSTYPE=erofs`, so `$FSTYPE`/`${FSTYPE}` is substituted when already assigned; any other
 * `$` is refused (that would need a shell to evaluate).
 */
const SUBSTITUTABLE = new Set(['FSTYPE']);

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Characters that end an unquoted word (Bash metacharacters). */
const META = new Set([' ', '\t', '\n', '|', '&', ';', '(', ')', '<', '>']);

export function lexConf(text: string): ConfAssignment[] {
  const src = text.replace(/\r\n/g, '\n');
  const out: ConfAssignment[] = [];
  const vars = new Map<string, string>();
  let i = 0;
  let line = 1;

  const peek = (k = 0): string | undefined => src[i + k];
  const advance = (): string => {
    const c = src[i++]!;
    if (c === '\n') line++;
    return c;
  };
  /** A backslash-newline outside quotes joins lines (Bash removes it before splitting words). */
  const atContinuation = (): boolean => peek() === '\\' && peek(1) === '\n';
  const skipBlanks = (): void => {
    for (;;) {
      if (peek() === ' ' || peek() === '\t') advance();
      else if (atContinuation()) {
        advance();
        advance();
      } else break;
    }
  };
  const skipComment = (): void => {
    while (i < src.length && peek() !== '\n') advance();
  };

  /** `$NAME` or `${NAME}` at the cursor (which is on `$`): its value, or a refusal. */
  const expansion = (): string => {
    const at = line;
    advance(); // $
    let name = '';
    if (peek() === '(') throw new ConfSyntaxError(at, 'command substitution $(...) is not allowed');
    if (peek() === '{') {
      advance();
      while (i < src.length && peek() !== '}' && peek() !== '\n') name += advance();
      if (peek() !== '}' || !NAME_RE.test(name)) throw new ConfSyntaxError(at, 'parameter expansion ${...} is not allowed');
      advance();
    } else {
      while (i < src.length && /[A-Za-z0-9_]/.test(peek()!)) name += advance();
      if (!NAME_RE.test(name)) throw new ConfSyntaxError(at, `expansion "$${peek() ?? ''}" is not allowed`);
    }
    if (!SUBSTITUTABLE.has(name)) throw new ConfSyntaxError(at, `variable expansion $${name} is not allowed`);
    const value = vars.get(name);
    if (value === undefined) throw new ConfSyntaxError(at, `$${name} is used before ${name} is set`);
    return value;
  };

  /** One shell word at the cursor; the cursor ends on the first character after it. */
  const word = (): ConfWord => {
    const start = line;
    let textOut = '';
    while (i < src.length && !META.has(peek()!)) {
      const c = peek()!;
      if (c === "'") {
        const open = line;
        advance();
        while (i < src.length && peek() !== "'") textOut += advance();
        if (i >= src.length) throw new ConfSyntaxError(open, 'unterminated single quote');
        advance();
      } else if (c === '"') {
        const open = line;
        advance();
        while (i < src.length && peek() !== '"') {
          const d = peek()!;
          if (d === '`') throw new ConfSyntaxError(line, 'command substitution `...` is not allowed');
          if (d === '$') {
            textOut += expansion();
          } else if (d === '\\' && i + 1 < src.length && '$`"\\\n'.includes(src[i + 1]!)) {
            advance();
            const e = advance();
            if (e !== '\n') textOut += e; // backslash-newline is a line continuation
          } else {
            textOut += advance();
          }
        }
        if (i >= src.length) throw new ConfSyntaxError(open, 'unterminated double quote');
        advance();
      } else if (c === '\\') {
        advance();
        if (i >= src.length) throw new ConfSyntaxError(line, 'a backslash ends the file');
        const e = advance();
        if (e !== '\n') textOut += e;
      } else if (c === '`') {
        throw new ConfSyntaxError(line, 'command substitution `...` is not allowed');
      } else if (c === '$') {
        textOut += expansion();
      } else if ('*?['.includes(c)) {
        throw new ConfSyntaxError(line, `unquoted glob character "${c}" is not allowed`);
      } else if ('{}~'.includes(c)) {
        // Bash expands ~ at a word's start and, in assignments, after = or : too: refuse it anywhere.
        throw new ConfSyntaxError(line, `unquoted "${c}" is not allowed (brace or tilde expansion)`);
      } else {
        // includes `#` inside a word (`a#b`, `A=#x`): only a word-initial # starts a comment
        textOut += advance();
      }
    }
    return { text: textOut, line: start };
  };

  /** After a statement: blanks, an optional comment, then a newline or the end. */
  const endOfStatement = (): void => {
    skipBlanks();
    if (peek() === '#') skipComment();
    if (i < src.length && peek() !== '\n') {
      const c = peek()!;
      if (c === ';' || c === '&' || c === '|') throw new ConfSyntaxError(line, `"${c}" is not allowed: one assignment per line`);
      if (c === '<' || c === '>') throw new ConfSyntaxError(line, 'redirections are not allowed');
      throw new ConfSyntaxError(line, 'unexpected text after the assignment (a command would run)');
    }
  };

  while (i < src.length) {
    skipBlanks();
    const c = peek();
    if (c === undefined) break;
    if (c === '\n') {
      advance();
      continue;
    }
    if (c === '#') {
      skipComment();
      continue;
    }
    const at = line;
    let name = '';
    while (i < src.length && /[A-Za-z0-9_]/.test(peek()!)) name += advance();
    if (!NAME_RE.test(name) || peek() !== '=') {
      let rest = name;
      while (i < src.length && peek() !== '\n' && rest.length < 40) rest += advance();
      throw new ConfSyntaxError(at, `unknown statement "${rest.trim()}": only NAME=value and NAME=(...) assignments are allowed`);
    }
    advance(); // =
    if (peek() === '(') {
      advance();
      const words: ConfWord[] = [];
      for (;;) {
        while (peek() === ' ' || peek() === '\t' || peek() === '\n' || atContinuation()) advance();
        if (i >= src.length) throw new ConfSyntaxError(at, `unterminated array ${name}=( ... (no closing parenthesis)`);
        const d = peek()!;
        if (d === ')') {
          advance();
          break;
        }
        if (d === '#') {
          skipComment();
          continue;
        }
        if (d === '(') throw new ConfSyntaxError(line, 'nested parentheses are not allowed');
        if (META.has(d)) throw new ConfSyntaxError(line, `"${d}" is not allowed in an array`);
        const w = word();
        if (/^\[.*\]=/.test(w.text)) throw new ConfSyntaxError(w.line, 'indexed array elements are not allowed');
        words.push(w);
      }
      out.push({ name, line: at, kind: 'array', words });
    } else {
      const w = word();
      if (peek() === '(') throw new ConfSyntaxError(line, 'unexpected "("');
      out.push({ name, line: at, kind: 'scalar', words: [w] });
      vars.set(name, w.text);
    }
    endOfStatement();
  }
  return out;
}
