/** Words are runs of letters, digits and apostrophes; everything else (spaces, punctuation) is kept as is. */
const WORD = /[\p{L}\p{N}']+/gu;

/** The key a word is stored under in the translation table. */
export function translationKey(word: string): string {
  return word.toLowerCase();
}

/**
 * Replaces every word that has a translation, keeping punctuation, spacing and a leading capital.
 * `lookup` is asked once per distinct word.
 */
export async function translateText(text: string, lookup: (key: string) => Promise<string | undefined>): Promise<string> {
  const keys = new Set<string>();
  for (const match of text.matchAll(WORD)) keys.add(translationKey(match[0]));
  const found = new Map<string, string>();
  await Promise.all(
    [...keys].map(async (key) => {
      const translation = await lookup(key);
      if (translation !== undefined) found.set(key, translation);
    }),
  );
  if (found.size === 0) return text;
  return text.replace(WORD, (word) => {
    const translation = found.get(translationKey(word));
    if (translation === undefined) return word;
    return isCapitalized(word) ? translation.charAt(0).toUpperCase() + translation.slice(1) : translation;
  });
}

function isCapitalized(word: string): boolean {
  const first = word.charAt(0);
  return first !== first.toLowerCase();
}
