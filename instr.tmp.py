import sys
p='/work/main/src/core/take-snapshot.ts'
s=open(p).read()
s=s.replace("  const [kube, github] = await Promise.all([kubeDone, githubDone]);","""  let phase = 'start'; let peak = 0; let peakPhase = '';
  const timer = setInterval(() => { const r = process.memoryUsage().rss; if (r > peak) { peak = r; peakPhase = phase; } }, 10); timer.unref();
  const T = (l: string) => { const m = process.memoryUsage(); console.error(l, Math.round(performance.now()), 'rss', Math.round(m.rss/1e6), 'heap', Math.round(m.heapUsed/1e6), 'tot', Math.round(m.heapTotal/1e6), 'peak', Math.round(peak/1e6), peakPhase); phase = l; };
  (globalThis as any).T = T;
  T('start');
  kubeDone.then(() => T('kube'));
  githubDone.then(() => T('github'));
  const [kube, github] = await Promise.all([kubeDone, githubDone]);""")
s=s.replace("    warnings.push(...(await linkCommits(projects, book, lookup)));","    warnings.push(...(await linkCommits(projects, book, lookup)));\n    T('linked');")
s=s.replace("    analysis.repositories = buildRepositories(repositories, book, options.previous);","    T('persisted');\n    analysis.repositories = buildRepositories(repositories, book, options.previous);\n    T('repos');")
s=s.replace("    analysis.tickets = buildTickets(projects, repositories, book);","    analysis.tickets = buildTickets(projects, repositories, book);\n    T('tickets');")
s=s.replace("  const finished = now();","  T('analysed');\n  const finished = now();")
open(p,'w').write(s)
p='/work/main/src/core/run.ts'
s=open(p).read()
s=s.replace("      const { file, bytes } = await writeSnapshot(layout, snapshot);","      (globalThis as any).T('releases');\n      const { file, bytes } = await writeSnapshot(layout, snapshot);\n      (globalThis as any).T('written');")
s=s.replace("      await appendRun(layout.runLog, record, log.records);","      await appendRun(layout.runLog, record, log.records);\n      (globalThis as any).T('end');")
open(p,'w').write(s)
