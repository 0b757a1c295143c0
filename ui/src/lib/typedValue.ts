// The control a key's `@type` calls for in the table (issue 16: "a form-like editor for a key uses its
// type"), and the value each control writes back. The Rust side still checks every value (the lints and
// the save); this only offers the right control.

export type TypedControl =
  | { kind: 'text' }
  | { kind: 'choice'; choices: string[] }
  | { kind: 'switch'; on: string; off: string }
  | { kind: 'number'; min: number | null; max: number | null };

/** The boolean spellings `@type: bool` takes, as pairs: a switch writes back the pair the value used. */
const PAIRS: [string, string][] = [
  ['true', 'false'],
  ['1', '0'],
  ['yes', 'no'],
  ['on', 'off'],
];

/** The control for a value of type `type` (as `@type:` wrote it, normalised by Rust) now reading `value`. */
export function controlFor(type: string | null | undefined, value: string): TypedControl {
  if (!type) return { kind: 'text' };
  const enumMatch = /^enum\((.*)\)$/.exec(type);
  if (enumMatch) {
    const choices = enumMatch[1].split('|');
    // A value outside the choices stays choosable, so opening the editor changes nothing by itself.
    return { kind: 'choice', choices: choices.includes(value) ? choices : [value, ...choices] };
  }
  if (type === 'bool') {
    const lower = value.toLowerCase();
    const pair = PAIRS.find(([on, off]) => lower === on || lower === off);
    // An unreadable value gets the plain editor: a switch would silently replace it.
    if (!pair && value !== '') return { kind: 'text' };
    const [on, off] = pair ?? PAIRS[0];
    const upper = value !== '' && value === value.toUpperCase() && /[a-z]/i.test(value);
    return upper ? { kind: 'switch', on: on.toUpperCase(), off: off.toUpperCase() } : { kind: 'switch', on, off };
  }
  // A value a number field cannot show (it would show it empty) keeps the text editor.
  if (value !== '' && !/^-?\d+$/.test(value)) return { kind: 'text' };
  if (type === 'port') return { kind: 'number', min: 1, max: 65535 };
  const intMatch = /^int(?:\((-?\d*)\.\.(-?\d*)\))?$/.exec(type);
  if (intMatch) {
    const bound = (s: string | undefined) => (s ? Number(s) : null);
    return { kind: 'number', min: bound(intMatch[1]), max: bound(intMatch[2]) };
  }
  return { kind: 'text' };
}

/** Whether a switch's value is on. */
export function isOn(c: Extract<TypedControl, { kind: 'switch' }>, value: string): boolean {
  return value.toLowerCase() === c.on.toLowerCase();
}
