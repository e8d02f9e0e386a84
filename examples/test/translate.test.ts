import { translateText } from '../src/messaging/translate';

describe('translateText', () => {
  const table = new Map([
    ['hello', 'hallo'],
    ['world', 'Welt'],
  ]);
  const lookups: string[] = [];
  const lookup = async (key: string) => {
    lookups.push(key);
    return table.get(key);
  };

  beforeEach(() => (lookups.length = 0));

  it('replaces known words and keeps punctuation, spacing and unknown words', async () => {
    await expect(translateText('hello,  big world!', lookup)).resolves.toBe('hallo,  big Welt!');
  });

  it('matches words case-insensitively and keeps a leading capital', async () => {
    await expect(translateText('Hello WORLD', lookup)).resolves.toBe('Hallo Welt');
  });

  it('asks once per distinct word', async () => {
    await translateText('hello hello Hello world', lookup);
    expect(lookups.sort()).toEqual(['hello', 'world']);
  });

  it('returns the text unchanged when nothing is translated', async () => {
    const text = 'nothing to see';
    await expect(translateText(text, lookup)).resolves.toBe(text);
  });
});
