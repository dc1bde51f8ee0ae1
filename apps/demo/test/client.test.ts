import { describe, expect, it } from 'vitest';
import { DICTIONARIES, LANGUAGES, pickLanguage } from '../src/client/i18n.js';
import { parseRoute, SECTIONS } from '../src/client/route.js';

describe('parseRoute', () => {
  it('maps the root, the sections and anything else', () => {
    expect(parseRoute('/')).toEqual({ name: 'home' });
    expect(parseRoute('/index.html')).toEqual({ name: 'home' });
    for (const section of SECTIONS) {
      expect(parseRoute(`/${section}`)).toEqual({ name: 'section', section });
      expect(parseRoute(`/${section}/`)).toEqual({ name: 'section', section });
    }
    expect(parseRoute('/musical')).toEqual({ name: 'not-found' });
    expect(parseRoute('/music/extra')).toEqual({ name: 'not-found' });
  });
});

describe('pickLanguage', () => {
  it('takes the first supported preference; every Chinese variant reads zh-CN', () => {
    expect(pickLanguage(['zh-CN', 'en'])).toBe('zh-CN');
    expect(pickLanguage(['zh-TW'])).toBe('zh-CN');
    expect(pickLanguage(['fr-FR', 'en-GB', 'zh'])).toBe('en');
    expect(pickLanguage(['de'])).toBe('en');
    expect(pickLanguage([])).toBe('en');
  });
});

describe('dictionaries', () => {
  it('give every language every string, none empty', () => {
    const keys = Object.keys(DICTIONARIES.en).sort();
    for (const language of Object.keys(LANGUAGES) as (keyof typeof LANGUAGES)[]) {
      const strings = DICTIONARIES[language];
      expect(Object.keys(strings).sort(), language).toEqual(keys);
      for (const [key, value] of Object.entries(strings)) expect(value.trim(), `${language} ${key}`).not.toBe('');
    }
  });

  it('really translate: zh-CN differs from English apart from the brand name', () => {
    const same = Object.entries(DICTIONARIES['zh-CN'])
      .filter(([key, value]) => DICTIONARIES.en[key as keyof typeof DICTIONARIES.en] === value)
      .map(([key]) => key);
    expect(same).toEqual(['appName']);
  });
});
