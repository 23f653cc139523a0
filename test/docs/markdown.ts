/**
 * What the documentation tests read out of a Markdown file: its fenced code blocks (with
 * the heading they stand under), its inline code spans, and the command lines in either.
 * Only as much Markdown as README.md uses: ``` fences and single-backtick spans.
 * @module
 */

/** A fenced code block. */
export interface CodeBlock {
  /** The info string's first word (`ts`, `sh`, ...), "" when there is none. */
  readonly lang: string;
  /** The text of the nearest heading above it, without the `#`s. */
  readonly heading: string;
  /** The 1-based line number of its first line of code (the line after the fence). */
  readonly line: number;
  /** The code, ending with a newline. */
  readonly code: string;
}

/** An inline code span outside the fenced blocks. */
export interface CodeSpan {
  readonly line: number;
  readonly text: string;
}

/** The fenced code blocks of `markdown`, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split("\n");
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]!);
    if (open === null) {
      const h = /^#{1,6}\s+(.*)$/.exec(lines[i]!);
      if (h !== null) heading = h[1]!.trim();
      continue;
    }
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`line ${i + 1}: the code block is never closed`);
    blocks.push({ lang: open[1]!, heading, line: start + 1, code: lines.slice(start, end).map((l) => `${l}\n`).join("") });
    i = end;
  }
  return blocks;
}

/** The inline code spans of `markdown` outside its fenced blocks (single backticks only). */
export function codeSpans(markdown: string): CodeSpan[] {
  const spans: CodeSpan[] = [];
  let inFence = false;
  markdown.split("\n").forEach((text, index) => {
    if (/^```/.test(text)) inFence = !inFence;
    if (inFence || text.startsWith("```")) return;
    for (const match of text.matchAll(/`([^`]+)`/g)) spans.push({ line: index + 1, text: match[1]! });
  });
  return spans;
}

/**
 * Splits one line of shell into simple commands (at `|`, `||`, `&&`, `;`), each a list of
 * words: quotes are removed, a `# comment` is dropped, redirections (`< file`, `>file`,
 * `2>&1`) are left out and a process substitution `<(...)` is one word, as the shell hands
 * it on (a `/dev/fd/N` path). Enough for the command lines in README, not a shell.
 */
export function shellCommands(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | null = null;
  let redirect = false;
  const endWord = (): void => {
    if (word !== null && !redirect) commands.at(-1)!.push(word);
    else if (word !== null) redirect = false;
    word = null;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === "\"") {
      const close = line.indexOf(c, i + 1);
      if (close < 0) throw new Error(`unclosed quote in: ${line}`);
      word = (word ?? "") + line.slice(i + 1, close);
      i = close;
    } else if (c === "<" && line[i + 1] === "(") {
      const close = line.indexOf(")", i);
      if (close < 0) throw new Error(`unclosed <( in: ${line}`);
      word = (word ?? "") + "/dev/fd/63";
      i = close;
    } else if (c === "<" || c === ">") {
      // `2>` and `>&1`: the digits before and the target after belong to the redirection
      if (word !== null && /^\d+$/.test(word)) word = null;
      endWord();
      if (line[i + 1] === ">") i++;
      if (line[i + 1] === "&") {
        i++;
        while (/\d/.test(line[i + 1] ?? "")) i++;
      } else {
        redirect = true;
      }
    } else if (c === "|" || c === ";" || c === "&") {
      endWord();
      if (line[i + 1] === c) i++;
      commands.push([]);
    } else if (c === "#" && word === null) {
      break;
    } else if (/\s/.test(c)) {
      endWord();
    } else {
      word = (word ?? "") + c;
    }
  }
  endWord();
  return commands.filter((words) => words.length > 0);
}
