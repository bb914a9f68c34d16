import { createHash } from 'node:crypto';

/**
 * Git's object ids, computed as git computes them (blob, tree, commit), so a generated history
 * knows every commit's SHA before git writes it: revert and cherry-pick messages can quote them,
 * and one `git fast-import` builds the whole repository. Whatever is computed here is checked
 * against what git wrote (the marks fast-import exports), on every build.
 */
const hash = (type: string, body: Buffer) => createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest();

export function blobId(content: string): Buffer {
  return hash('blob', Buffer.from(content));
}

/** The id of the tree holding `files` (path → content), subtrees included. */
export function treeId(files: ReadonlyMap<string, string>): string {
  return tree(files, '').toString('hex');
}

function tree(files: ReadonlyMap<string, string>, prefix: string): Buffer {
  const entries = new Map<string, { mode: string; id: Buffer }>();
  const dirs = new Set<string>();
  for (const [path, content] of files) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) entries.set(rest, { mode: '100644', id: blobId(content) });
    else dirs.add(rest.slice(0, slash));
  }
  for (const dir of dirs) entries.set(dir, { mode: '40000', id: tree(files, `${prefix}${dir}/`) });
  // Git sorts a directory as if its name ended with "/".
  const key = (name: string, mode: string) => Buffer.from(mode === '40000' ? `${name}/` : name);
  const sorted = [...entries].sort(([a, x], [b, y]) => Buffer.compare(key(a, x.mode), key(b, y.mode)));
  return hash('tree', Buffer.concat(sorted.flatMap(([name, e]) => [Buffer.from(`${e.mode} ${name}\0`), e.id])));
}

export function commitId(c: { tree: string; parents: string[]; author: string; committer: string; message: string }): string {
  const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${c.author}`, `committer ${c.committer}`];
  return hash('commit', Buffer.from(`${lines.join('\n')}\n\n${c.message}`)).toString('hex');
}
