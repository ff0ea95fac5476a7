/**
 * `recommender <command> [args]`. Each command lives in its own file under commands/ and exports
 * `run(argv: string[]): Promise<number>` (exit code). The summaries are here, so `--help` loads no
 * command module (and none of grpc, apache-arrow or tfjs); a command loads what it needs when it runs.
 */
type Command = { run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: { summary: 'start the gRPC service on the embedded store (data directory)', load: () => import('./commands/serve.js') },
  import: { summary: 'import a .csv, .parquet or .arrow file as a batch (streamed to the server)', load: () => import('./commands/import.js') },
  batches: { summary: 'list stored batches (table, or --json)', load: () => import('./commands/batches.js') },
  describe: { summary: 'the dataset a Train would see: size, matrix statistics, the defaults it would choose', load: () => import('./commands/describe.js') },
  train: { summary: 'start a training job (optionally --watch its progress until it ends)', load: () => import('./commands/train.js') },
  status: { summary: "a training job's status (a model's latest job, or --job-id)", load: () => import('./commands/status.js') },
  recommend: { summary: 'recommendations for one or more sources of a trained model', load: () => import('./commands/recommend.js') },
  evaluate: { summary: "show a model's offline evaluation (holdout metrics vs the most-popular baseline)", load: () => import('./commands/evaluate.js') },
  versions: { summary: "a model's kept versions (which one serves, evaluation, promote gate)", load: () => import('./commands/versions.js') },
  rollback: { summary: 'serve an earlier (kept) version of a model', load: () => import('./commands/rollback.js') },
  'delete-model': { summary: 'delete a model: every version, its files and catalog rows (--force cancels its job)', load: () => import('./commands/delete-model.js') },
  export: { summary: "write a model version's factors and ids as an Arrow IPC stream file", load: () => import('./commands/export.js') },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`);
    console.log(`usage: recommender <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "recommender <command> --help" for a command's options.`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`recommender: unknown command "${name}" (try --help)`);
    return 2;
  }
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`recommender: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; },
);
