import { describe, expect, it } from 'vitest';
import { controlFor, isOn } from '../../src/lib/typedValue';

describe('controlFor', () => {
  it('offers the control the type calls for', () => {
    expect(controlFor(null, 'x')).toEqual({ kind: 'text' });
    expect(controlFor('string', 'x')).toEqual({ kind: 'text' });
    expect(controlFor('enum(debug|info|warn)', 'info')).toEqual({ kind: 'choice', choices: ['debug', 'info', 'warn'] });
    expect(controlFor('port', '80')).toEqual({ kind: 'number', min: 1, max: 65535 });
    expect(controlFor('int', '5')).toEqual({ kind: 'number', min: null, max: null });
    expect(controlFor('int(1..10)', '5')).toEqual({ kind: 'number', min: 1, max: 10 });
    expect(controlFor('int(-5..)', '5')).toEqual({ kind: 'number', min: -5, max: null });
    expect(controlFor('url(https)', 'x')).toEqual({ kind: 'text' });
  });

  it('never changes a value by opening its editor', () => {
    // A value outside the enum stays the selected choice.
    expect(controlFor('enum(a|b)', 'c')).toEqual({ kind: 'choice', choices: ['c', 'a', 'b'] });
    // A switch writes back the spelling the value used.
    expect(controlFor('bool', 'yes')).toEqual({ kind: 'switch', on: 'yes', off: 'no' });
    expect(controlFor('bool', '0')).toEqual({ kind: 'switch', on: '1', off: '0' });
    expect(controlFor('bool', 'FALSE')).toEqual({ kind: 'switch', on: 'TRUE', off: 'FALSE' });
    expect(controlFor('bool', '')).toEqual({ kind: 'switch', on: 'true', off: 'false' });
    // A value a number field or a switch cannot show keeps the text editor.
    expect(controlFor('port', 'abc')).toEqual({ kind: 'text' });
    expect(controlFor('int', '+7')).toEqual({ kind: 'text' });
    expect(controlFor('port', '')).toEqual({ kind: 'number', min: 1, max: 65535 });
    expect(controlFor('bool', 'maybe')).toEqual({ kind: 'text' });
    // A switch shows the value's state whatever its case.
    expect(isOn(controlFor('bool', 'Yes') as Extract<ReturnType<typeof controlFor>, { kind: 'switch' }>, 'Yes')).toBe(true);
  });
});
