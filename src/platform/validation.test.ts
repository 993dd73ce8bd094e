import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkUscc,
  cleanText,
  emailKey,
  hasControlCharacters,
  isValidEmail,
  normalizeEmail,
  normalizeMobile,
  normalizeUscc,
  usccCheckCharacter,
} from './validation.js';

const fixturesDir = new URL('../../test/fixtures/registrations/', import.meta.url);

interface Application {
  companyName: string;
  uscc: string;
  registeredAddress: string;
  contactName: string;
  contactMobile: string;
  contactEmail: string;
  licenseFile: string;
  note?: string;
}
interface InvalidCase {
  field: string;
  value: string;
  why: string;
}

const valid = JSON.parse(readFileSync(new URL('valid.json', fixturesDir), 'utf8')) as {
  applications: Application[];
};
const invalid = JSON.parse(readFileSync(new URL('invalid.json', fixturesDir), 'utf8')) as {
  cases: InvalidCase[];
};

describe('normalizeUscc', () => {
  it('folds full-width, removes spaces/dashes/whitespace and upper-cases', () => {
    expect(normalizeUscc('９１１１０１０８５５１３８５０８２Ｑ')).toBe('91110108551385082Q');
    expect(normalizeUscc('9111 0000 8021 0043 3b')).toBe('91110000802100433B');
    expect(normalizeUscc(' 9133-0100\u20137996\u20145505\uFF0D8\u3000b\t')).toBe('91330100799655058B');
    expect(normalizeUscc('\u00A091330100799655058B\u200B\n')).toBe('91330100799655058B');
  });
});

describe('checkUscc', () => {
  it.each([
    ['91330100799655058B', '91330100799655058B'],
    ['91440300708461136T', '91440300708461136T'],
    ['914403001922038216', '914403001922038216'],
    ['9111 0000 8021 0043 3b', '91110000802100433B'],
    ['９１１１０１０８５５１３８５０８２Ｑ', '91110108551385082Q'],
  ])('accepts %j as %s', (input, expected) => {
    expect(checkUscc(input)).toEqual({ ok: true, value: expected });
  });

  it('accepts every USCC in the valid fixtures', () => {
    expect(valid.applications).toHaveLength(5);
    for (const app of valid.applications) {
      expect(checkUscc(app.uscc).ok, app.uscc).toBe(true);
    }
  });

  it.each([
    ['91330100799655058A', 'uscc_check_character'],
    ['91330100799655O58B', 'uscc_charset'],
    ['330100000012345', 'uscc_legacy_registration_number'],
    ['３３０１００ ０００ ０１２ ３４５', 'uscc_legacy_registration_number'],
    ['', 'uscc_required'],
    ['  \u3000- ', 'uscc_required'],
    ['9133010079965505', 'uscc_length'],
    ['913301007996550580B', 'uscc_length'],
    ['33010000001234X', 'uscc_length'],
    ['91330100799655I58B', 'uscc_charset'],
    ['91330100799655S58B', 'uscc_charset'],
    ['91330100799655V58B', 'uscc_charset'],
    ['91330100799655Z58B', 'uscc_charset'],
    ['9133010079965505?B', 'uscc_charset'],
    ['91330100799655058Ä', 'uscc_charset'],
    ['91440300708461136U', 'uscc_check_character'],
    ['914403001922038217', 'uscc_check_character'],
    ['91330100799655085B', 'uscc_check_character'], // transposed digits
  ])('refuses %j with %s', (input, code) => {
    expect(checkUscc(input)).toEqual({ ok: false, code });
  });

  it('refuses the USCC cases of the invalid fixtures (except the duplicate, which is a conflict)', () => {
    const expected: Record<string, string> = {
      '91330100799655058A': 'uscc_check_character',
      '91330100799655O58B': 'uscc_charset',
      '330100000012345': 'uscc_legacy_registration_number',
      '': 'uscc_required',
    };
    const usccCases = invalid.cases.filter((c) => c.field === 'uscc' && !c.why.includes('409'));
    expect(usccCases.map((c) => c.value).sort()).toEqual(Object.keys(expected).sort());
    for (const c of usccCases) {
      expect(checkUscc(c.value)).toEqual({ ok: false, code: expected[c.value] });
    }
  });

  it('computes the check character (31 - sum mod 31, 31 → 0)', () => {
    expect(usccCheckCharacter('91330100799655058')).toBe('B');
    expect(usccCheckCharacter('91440300708461136')).toBe('T');
    expect(usccCheckCharacter('91440300192203821')).toBe('6');
    expect(usccCheckCharacter('91110000802100433')).toBe('B');
    expect(usccCheckCharacter('91110108551385082')).toBe('Q');
    expect(usccCheckCharacter('9133010079965505')).toBeNull();
    expect(usccCheckCharacter('9133010079965505O')).toBeNull();
  });

  it('maps sum ≡ 0 (mod 31) to check character 0', () => {
    // All zeros: sum = 0 → 31 - 0 = 31 → '0'.
    expect(usccCheckCharacter('00000000000000000')).toBe('0');
    expect(checkUscc('000000000000000000')).toEqual({ ok: true, value: '000000000000000000' });
  });
});

describe('normalizeMobile', () => {
  it.each([
    ['+8613800138001', '+8613800138001'],
    ['13800138002', '+8613800138002'],
    ['138 0013 8003', '+8613800138003'],
    ['+86 138-0013-8004', '+8613800138004'],
    ['008613800138005', '+8613800138005'],
    ['8613800138005', '+8613800138005'],
    ['(+86) 138 0013 8006', '+8613800138006'],
    ['（＋８６）１３８－００１３－８００７', '+8613800138007'],
    ['19912345678', '+8619912345678'],
  ])('accepts %j as %s', (input, expected) => {
    expect(normalizeMobile(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    '12345',
    '+86 12800138000',
    '12800138000',
    '10086',
    '',
    '+85213800138000',
    '+1 13800138000',
    '86138001380', // "86" is only a prefix when followed by 11 digits
    '138001380012',
    '+8613800138001x',
    '138.0013.8001',
    '+86+8613800138001',
  ])('refuses %j', (input) => {
    expect(normalizeMobile(input)).toEqual({ ok: false, code: 'mobile_invalid' });
  });

  it('normalises every contact mobile of the valid fixtures and refuses the invalid ones', () => {
    for (const app of valid.applications) {
      expect(normalizeMobile(app.contactMobile).ok, app.contactMobile).toBe(true);
    }
    for (const c of invalid.cases.filter((x) => x.field === 'contactMobile')) {
      expect(normalizeMobile(c.value), c.value).toEqual({ ok: false, code: 'mobile_invalid' });
    }
  });
});

describe('e-mail', () => {
  it('keeps the local part, lower-cases the domain for display; lower-cases everything for the key', () => {
    const input = 'Chen.Jing@Huawei-Specimen.Example.com';
    expect(isValidEmail(input)).toBe(true);
    expect(normalizeEmail(input)).toBe('Chen.Jing@huawei-specimen.example.com');
    expect(emailKey(input)).toBe('chen.jing@huawei-specimen.example.com');
  });

  it('trims and applies NFKC', () => {
    expect(normalizeEmail('  ｆａｗｕ@Baidu-Specimen.Example.COM \n')).toBe('fawu@baidu-specimen.example.com');
    expect(emailKey(' Legal-Ops@Alibaba-Specimen.Example.com ')).toBe('legal-ops@alibaba-specimen.example.com');
  });

  it('accepts every contact e-mail of the valid fixtures', () => {
    for (const app of valid.applications) {
      expect(isValidEmail(app.contactEmail), app.contactEmail).toBe(true);
    }
  });

  it.each([
    'a.b+tag@example.com',
    "o'brien@example.co.uk",
    'x@sub-domain.example.cn',
    'user@例子.中国',
  ])('accepts %j', (input) => {
    expect(isValidEmail(input)).toBe(true);
  });

  it.each([
    'zhang@',
    '@example.com',
    'zhang',
    'zhang@example',
    'zhang@@example.com',
    'zh ang@example.com',
    'zhang@exa mple.com',
    'zhang@example..com',
    'zhang@.example.com',
    'zhang@-example.com',
    'zhang@example-.com',
    'zhang@example.c',
    'zhang@127.0.0.1',
    '.zhang@example.com',
    'zhang.@example.com',
    'zh..ang@example.com',
    'zhang\u0000@example.com',
    'zhang\u202E@example.com',
    'zhang@exa\u200Bmple.com',
    '"zhang"@example.com',
    'zhang@[127.0.0.1]',
    `${'a'.repeat(65)}@example.com`,
    `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(60)}.com`,
    '',
  ])('refuses %j', (input) => {
    expect(isValidEmail(input)).toBe(false);
  });

  it('refuses the invalid e-mail fixtures', () => {
    for (const c of invalid.cases.filter((x) => x.field === 'contactEmail')) {
      expect(isValidEmail(c.value), c.value).toBe(false);
    }
  });
});

describe('hasControlCharacters', () => {
  it.each([
    '公司\u0000名称',
    'bell\u0007',
    'esc\u001b[31m',
    'tab\there',
    'line\nbreak',
    'cr\r',
    'del\u007f',
    'c1\u0085',
    'c1\u009f',
    'rlo\u202Eevil',
    'lre\u202A',
    'pdf\u202C',
    'lri\u2066',
    'pdi\u2069',
    'zwsp\u200B',
    'zwnj\u200C',
    'zwj\u200D',
    'bom\uFEFF',
    'ls\u2028',
  ])('flags %j', (input) => {
    expect(hasControlCharacters(input)).toBe(true);
  });

  it('flags the control-character fixture', () => {
    const c = invalid.cases.find((x) => x.field === 'companyName' && x.why === 'control character');
    expect(c?.value).toBe('公司\u0000名称');
    expect(hasControlCharacters(c!.value)).toBe(true);
  });

  it.each([
    '阿里巴巴（中国）有限公司',
    '深圳市南山区粤海街道麻岭社区科技中一路腾讯大厦35层',
    'Müller & Söhne GmbH',
    'a\u3000b',
    'a\u00A0b',
    '',
  ])('allows %j', (input) => {
    expect(hasControlCharacters(input)).toBe(false);
  });

  it('allows every name and address of the valid fixtures', () => {
    for (const app of valid.applications) {
      for (const v of [app.companyName, app.registeredAddress, app.contactName]) {
        expect(hasControlCharacters(v), v).toBe(false);
      }
    }
  });
});

describe('cleanText', () => {
  it('trims, collapses whitespace runs and applies NFC', () => {
    expect(cleanText('  华为技术   有限公司  ')).toBe('华为技术 有限公司');
    expect(cleanText('a\u3000\u3000b\u00A0 c')).toBe('a b c');
    expect(cleanText('Cafe\u0301')).toBe('Caf\u00E9');
    expect(cleanText('')).toBe('');
  });

  it('keeps full-width punctuation (NFC, not NFKC)', () => {
    expect(cleanText('阿里巴巴（中国）有限公司')).toBe('阿里巴巴（中国）有限公司');
  });
});
