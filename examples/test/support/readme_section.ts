import { readFileSync } from 'node:fs';

/** The text of the `## heading` section of a Markdown file, up to the next `## ` heading. */
export function readmeSection(file: string, heading: string): string {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${file} has no section "## ${heading}"`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The fenced code blocks of `lang` in a piece of Markdown, in order, without their fences. */
export function codeBlocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]);
}
