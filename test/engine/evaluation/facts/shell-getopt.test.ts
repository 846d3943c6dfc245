import { describe, expect, it } from 'vitest';
import { parseOptions, resolveLongOption, shortOptions, type OptionSpec } from '../../../../engine/evaluation/facts/shell-getopt.ts';

const SPEC: OptionSpec = {
  short: shortOptions('iv0', 'uCS', 'P'),
  long: { 'ignore-environment': 'none', unset: 'required', 'split-string': 'required', 'block-signal': 'optional', 'block-all': 'none' },
};

const words = (...texts: string[]) => texts.map((text) => ({ text, dynamic: false }));
const parse = (...texts: string[]) => parseOptions(words('cmd', ...texts), 1, SPEC, 'cmd');

describe('getopt model', () => {
  it('splits a cluster of flags', () => {
    expect(parse('-iv', 'rm')).toEqual({ ok: true, options: [{ name: '-i' }, { name: '-v' }], index: 2 });
  });

  it('a cluster ending in an option with a value takes the next word', () => {
    expect(parse('-iu', 'X', 'rm')).toEqual({ ok: true, options: [{ name: '-i' }, { name: '-u', value: { text: 'X', dynamic: false } }], index: 3 });
  });

  it('an attached value ends the cluster', () => {
    expect(parse('-vSrm -f x')).toMatchObject({ ok: true, options: [{ name: '-v' }, { name: '-S', value: { text: 'rm -f x' } }], index: 2 });
  });

  it('an optional value is only taken when attached', () => {
    expect(parse('-P', 'rm')).toMatchObject({ ok: true, options: [{ name: '-P' }], index: 2 });
    expect(parse('-PINT', 'rm')).toMatchObject({ ok: true, options: [{ name: '-P', value: { text: 'INT' } }], index: 2 });
  });

  it('--name=value and --name value', () => {
    expect(parse('--unset=X', 'rm')).toMatchObject({ ok: true, options: [{ name: '--unset', value: { text: 'X' } }], index: 2 });
    expect(parse('--unset', 'X', 'rm')).toMatchObject({ ok: true, options: [{ name: '--unset', value: { text: 'X' } }], index: 3 });
  });

  it('a unique prefix of a long option is that option', () => {
    expect(parse('--ign', 'rm')).toMatchObject({ ok: true, options: [{ name: '--ignore-environment' }], index: 2 });
    expect(parse('--split=rm x')).toMatchObject({ ok: true, options: [{ name: '--split-string', value: { text: 'rm x' } }] });
    expect(resolveLongOption(SPEC, 'u')).toBe('unset');
  });

  it('an ambiguous prefix is refused', () => {
    expect(parse('--block', 'rm')).toMatchObject({ ok: false, reason: expect.stringMatching(/ambiguous/) });
  });

  it('an unknown option is refused', () => {
    expect(parse('-Z', 'rm')).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown option '-Z'/) });
    expect(parse('--frobnicate')).toMatchObject({ ok: false });
  });

  it('a missing value is refused', () => {
    expect(parse('-u')).toMatchObject({ ok: false, reason: expect.stringMatching(/needs a value/) });
  });

  it('a value given to a flag long option is refused', () => {
    expect(parse('--ignore-environment=1')).toMatchObject({ ok: false });
  });

  it('-- ends the options, and the first operand stops the parse', () => {
    expect(parse('-i', '--', '-v')).toMatchObject({ ok: true, index: 3 });
    expect(parse('rm', '-i')).toMatchObject({ ok: true, options: [], index: 1 });
  });

  it('an option only known at run time is refused', () => {
    expect(parseOptions([{ text: 'cmd', dynamic: false }, { text: '$OPT', dynamic: true }], 1, SPEC, 'cmd')).toMatchObject({ ok: false });
  });
});
