// A small JSON parser that keeps where each value and key starts, so a policy file's errors can
// name the line. Plain JSON (RFC 8259) only: no comments, no trailing commas.

export type JsonNode =
  | { kind: 'object'; line: number; entries: Array<{ key: string; keyLine: number; value: JsonNode }> }
  | { kind: 'array'; line: number; items: JsonNode[] }
  | { kind: 'string'; line: number; value: string }
  | { kind: 'number'; line: number; value: number }
  | { kind: 'boolean'; line: number; value: boolean }
  | { kind: 'null'; line: number };

export class JsonError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

const MAX_DEPTH = 64;

export function parseJson(text: string): JsonNode {
  let i = 0;
  let line = 1;

  const fail = (what: string): never => {
    throw new JsonError(line, what);
  };
  const ws = (): void => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
    }
  };
  const show = (): string => (i >= text.length ? 'end of file' : `'${text[i]}'`);

  const str = (): string => {
    i++; // opening quote
    let s = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i++];
      if (c === '"') return s;
      if (c === '\n' || c < ' ') fail('control character in a string');
      if (c !== '\\') {
        s += c;
        continue;
      }
      const e = text[i++];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in simple) s += simple[e];
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) {
        s += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
        i += 4;
      } else fail(`bad escape '\\${e ?? ''}' in a string`);
    }
  };

  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    ws();
    const at = line;
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: Array<{ key: string; keyLine: number; value: JsonNode }> = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', line: at, entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a key in quotes, found ${show()}`);
        const keyLine = line;
        const key = str();
        if (entries.some((e) => e.key === key)) throw new JsonError(keyLine, `duplicate key '${key}'`);
        ws();
        if (text[i] !== ':') fail(`expected ':' after '${key}', found ${show()}`);
        i++;
        entries.push({ key, keyLine, value: value(depth + 1) });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'object', line: at, entries };
        }
        fail(`expected ',' or '}', found ${show()}`);
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', line: at, items };
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { kind: 'array', line: at, items };
        }
        fail(`expected ',' or ']', found ${show()}`);
      }
    }
    if (c === '"') return { kind: 'string', line: at, value: str() };
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 40));
    if (m && m[0].length > 0 && /[-0-9]/.test(c)) {
      i += m[0].length;
      return { kind: 'number', line: at, value: Number(m[0]) };
    }
    for (const [word, node] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return node === null ? { kind: 'null', line: at } : { kind: 'boolean', line: at, value: node };
      }
    }
    return fail(`expected a value, found ${show()}`);
  };

  const root = value(0);
  ws();
  if (i < text.length) fail(`unexpected ${show()} after the end of the document`);
  return root;
}
