// A small .env language for CodeMirror: comments, `export`, keys, `=`, quoted and unquoted values,
// and `${…}` references.
import { StreamLanguage, type StringStream } from '@codemirror/language';

interface St {
  phase: 'start' | 'key' | 'value';
  quote: string | null;
}

export const envLanguage = StreamLanguage.define<St>({
  name: 'dotenv',
  startState: () => ({ phase: 'start', quote: null }),
  token(stream: StringStream, st: St): string | null {
    if (st.quote) {
      while (!stream.eol()) {
        const ch = stream.next();
        if (ch === '\\') {
          stream.next();
          continue;
        }
        if (ch === st.quote) {
          st.quote = null;
          return 'string';
        }
        if (ch === '$' && stream.peek() === '{' && st.quote === '"') {
          stream.backUp(1);
          if (stream.pos > stream.start) return 'string';
          stream.match(/^\$\{[^}]*\}?/);
          return 'variableName.special';
        }
      }
      return 'string';
    }
    if (stream.sol()) st.phase = 'start';
    if (st.phase === 'start') {
      if (stream.eatSpace()) return null;
      if (stream.peek() === '#') {
        stream.skipToEnd();
        return 'comment';
      }
      if (stream.match(/^export(?=[ \t])/)) return 'keyword';
      if (stream.match(/^[A-Za-z_][A-Za-z0-9_.-]*/)) {
        st.phase = 'key';
        return 'propertyName';
      }
      stream.skipToEnd();
      return 'invalid';
    }
    if (st.phase === 'key') {
      if (stream.eatSpace()) return null;
      if (stream.eat('=')) {
        st.phase = 'value';
        return 'operator';
      }
      stream.skipToEnd();
      return 'invalid';
    }
    // value
    if (stream.eatSpace()) {
      if (stream.peek() === '#') {
        stream.skipToEnd();
        return 'comment';
      }
      return null;
    }
    const ch = stream.peek();
    if (ch === '"' || ch === "'") {
      st.quote = ch;
      stream.next();
      return 'string';
    }
    if (stream.match(/^\$\{[^}]*\}?/) || stream.match(/^\$[A-Za-z_][A-Za-z0-9_]*/)) return 'variableName.special';
    stream.match(/^[^\s$]+/) || stream.next();
    return 'string';
  },
  languageData: { commentTokens: { line: '#' } },
});
