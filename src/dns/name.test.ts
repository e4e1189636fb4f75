import { describe, expect, it } from 'vitest';
import { Name } from './name.js';

const n = (s: string): Name => Name.fromText(s);

describe('Name.isSubdomainOf', () => {
  it.each([
    ['www.example.com.', 'example.com.', true],
    ['WWW.Example.COM.', 'example.com.', true],
    ['example.com.', 'EXAMPLE.com.', true],
    ['example.com.', '.', true],
    ['.', '.', true],
    ['com.', 'example.com.', false],
    ['badexample.com.', 'example.com.', false],
    // one label "a.example" (escaped dot) directly under com.: not under example.com.
    ['a\\.example.com.', 'example.com.', false],
    ['a\\.example.com.', 'com.', true],
    ['x.a\\.example.com.', 'a\\.example.com.', true],
    ['x.a\\.example.com.', 'example.com.', false],
    ['x\\\\.example.com.', 'example.com.', true], // escaped backslash, then a real dot
  ])('%s under %s: %s', (child, parent, expected) => {
    expect(n(child).isSubdomainOf(n(parent))).toBe(expected);
  });
});
