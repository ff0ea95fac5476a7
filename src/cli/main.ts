/**
 * `recommender <command> [args]`. Each command lives in its own file under commands/ and exports
 * `run(argv: string[]): Promise<number>` (exit code) and a one-line `summary`.
 */
type Command = { summary: string; run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: () => import('./commands/serve.js'),
  import: () => import('./commands/import.js'),
  batches: () => import('./commands/batches.js'),
  train: () => import('./commands/train.js'),
  status: () => import('./commands/status.js'),
  recommend: () => import('./commands/recommend.js'),
  evaluate: () => import('./commands/evaluate.js'),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = await Promise.all(Object.entries(COMMANDS).map(async ([n, load]) => `  ${n.padEnd(10)} ${(await load()).summary}`));
    console.log(`usage: recommender <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "recommender <command> --help" for a command's options.`);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`recommender: unknown command "${name}" (try --help)`);
    return 2;
  }
  return (await load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`recommender: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; },
);
