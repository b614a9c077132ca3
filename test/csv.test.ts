// gaussmix/csv (lib/csv.ts): the checks of the arguments before the native reader sees them.
// Bad arguments are TypeErrors (wrong type) or RangeErrors (bad value) naming the argument,
// never a raw error from destructuring or from the addon.
import { describe, expect, it } from 'vitest';

import { csvNumbers, csvRecord, type CsvFormat, type CsvSelection } from '../lib/csv.js';
import { expectError } from './helpers/expect-error.js';

const text = Buffer.from('1,2\n3,4\n');
const selection: CsvSelection = { take: [0, 1], fields: 2 };
/** Calls with arguments of the wrong static type (what a JavaScript caller may pass). */
const loose = {
  numbers: csvNumbers as (text: unknown, final: unknown, format: unknown, selection?: unknown) => unknown,
  record: csvRecord as (text: unknown, at?: unknown, final?: unknown, format?: unknown) => unknown,
};

describe('csvNumbers and csvRecord: well-formed calls', () => {
  it('read numbers and records', () => {
    const r = csvNumbers(text, true, undefined, selection);
    expect([Array.from(r.data), r.rows, r.consumed]).toEqual([[1, 2, 3, 4], 2, 8]);
    expect(csvNumbers(Buffer.from('1;5\n'), true, { delimiter: ';', decimal: ',' }, { take: [1], fields: 2 }).data).toEqual(Float64Array.of(5));
    expect(csvRecord(Buffer.from('a|b\n'), 0, true, { delimiter: '|', comment: '#' })?.fields).toEqual(['a', 'b']);
    expect(csvRecord(text, 100)).toBeNull();
  });
});

describe('csvNumbers and csvRecord: bad arguments name the argument', () => {
  it('at: a safe integer >= 0 (RangeError), a number (TypeError)', () => {
    expectError(() => csvRecord(text, 2 ** 53), RangeError, 'at must be an integer >= 0', '9007199254740992');
    expectError(() => csvRecord(text, -1), RangeError, 'at must be');
    expectError(() => loose.record(text, '0'), TypeError, 'for at');
  });

  it('final: a boolean (TypeError)', () => {
    expectError(() => loose.numbers(text, 'yes', undefined, selection), TypeError, 'boolean for final', "'yes'");
    expectError(() => loose.record(text, 0, 1), TypeError, 'boolean for final');
  });

  it('format: an object or undefined (TypeError)', () => {
    expectError(() => loose.numbers(text, true, null, selection), TypeError, 'for format', 'null');
    expectError(() => loose.record(text, 0, true, ','), TypeError, 'for format');
  });

  it('selection and selection.take, .fields (TypeError / RangeError)', () => {
    expectError(() => loose.numbers(text, true, {}), TypeError, 'for selection', 'undefined');
    expectError(() => loose.numbers(text, true, {}, { take: 5, fields: 2 }), TypeError, 'selection.take', '5');
    expectError(() => loose.numbers(text, true, {}, { take: '01', fields: 2 }), TypeError, 'selection.take', "'01'");
    expectError(() => loose.numbers(text, true, {}, { take: ['0'], fields: 2 }), TypeError, 'selection.take', "'0'");
    expectError(() => loose.numbers(text, true, {}, { take: [0], fields: '2' }), TypeError, 'selection.fields');
    expectError(() => csvNumbers(text, true, {}, { take: [2 ** 32], fields: 2 ** 33 }), RangeError, 'selection.fields must be an integer in 1..4294967295');
  });

  it('a delimiter cannot be part of a number, nor a comment start one (RangeError)', () => {
    for (const delimiter of ['5', 'e', 'E', '+', '-']) {
      expectError(() => csvNumbers(text, true, { delimiter }, selection), RangeError, 'format.delimiter', 'a delimiter cannot be part of a number');
    }
    expectError(() => csvNumbers(text, true, { delimiter: '.' }, selection), RangeError, 'format.delimiter and format.decimal are both');
    expectError(() => csvRecord(text, 0, true, { delimiter: '.', decimal: ',' }), RangeError, 'cannot be part of a number');
    for (const comment of ['3', '-', '+', '.']) {
      expectError(() => csvNumbers(text, true, { comment }, selection), RangeError, 'format.comment', 'a number may start with it');
    }
    const decimalComma: CsvFormat = { delimiter: ';', decimal: ',', comment: ',' };
    expectError(() => csvNumbers(text, true, decimalComma, selection), RangeError, 'format.comment');
  });
});
