import { wrapWords } from './summary.js';

/**
 * Help text fitted to `width` columns: a longer line is wrapped at spaces, its continuation indented
 * as the line was; an example line (`  $ snap … ␣␣comment`) keeps its command whole and wraps its
 * comment in the comment's column (or on the next line, when the command leaves it too little room).
 */
export function fitHelp(text: string, width: number): string {
  if (!Number.isFinite(width)) return text;
  return text
    .split('\n')
    .flatMap((line) => {
      if ([...line].length <= width) return [line];
      const example = /^(\s*\$ \S.*?\s{2,})(\S.*)$/.exec(line);
      if (example) {
        const [, command, comment] = example;
        const column = command.length;
        if (width - column >= 24) {
          const wrapped = wrapWords(comment.split(' '), ' ', width - column);
          return wrapped.map((l, i) => (i === 0 ? `${command}${l}` : `${' '.repeat(column)}${l}`));
        }
        const indent = ' '.repeat(Math.min(8, (/^\s*/.exec(line)?.[0].length ?? 0) + 4));
        return [command.trimEnd(), ...wrapWords(comment.split(' '), ' ', width - indent.length).map((l) => `${indent}${l}`)];
      }
      const indent = /^\s*/.exec(line)?.[0] ?? '';
      return wrapWords(line.slice(indent.length).split(' '), ' ', width - indent.length).map((l) => `${indent}${l}`);
    })
    .join('\n');
}
