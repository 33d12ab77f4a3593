import { describe, expect, it } from 'vitest';
import { dispositionName } from './download';

describe('dispositionName', () => {
  it('prefers the RFC 5987 name, else the plain one', () => {
    expect(dispositionName(`attachment; filename="answers.csv"; filename*=UTF-8''%E8%AA%AC%E6%98%8E%E4%BC%9A_%E5%9B%9E%E7%AD%94.csv`)).toBe(
      '説明会_回答.csv',
    );
    expect(dispositionName('attachment; filename="answers.xlsx"')).toBe('answers.xlsx');
    expect(dispositionName('attachment; filename=plain.csv')).toBe('plain.csv');
    expect(dispositionName(`attachment; filename*=UTF-8''%E0%A4%A; filename="x.csv"`)).toBe('x.csv');
    expect(dispositionName(null)).toBeNull();
    expect(dispositionName('inline')).toBeNull();
  });
});
