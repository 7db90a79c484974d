// `npm run bench [-- [--list] [--no-profile] [--no-markdown] [name...]]`, parsed without side effects.

export interface BenchArgs {
  names: string[];
  list: boolean;
  profile: boolean;
  markdown: boolean;
  /** Only rewrite BENCHMARKS.md from the result files there are. */
  report: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench [-- [options] [benchmark...]]
  (no names)     run every benchmark of bench/registry.ts, in order
  <name>...      run only these (e.g. npm run bench -- ingest latency)
  --list         list the benchmarks and exit
  --no-profile   skip the --cpu-prof re-run of goals not met
  --no-markdown  do not rewrite BENCHMARKS.md
  --report       run nothing, rewrite BENCHMARKS.md from bench/results/*.json
  --help         this text`;

export function parseArgs(argv: readonly string[], known: readonly string[]): BenchArgs | { error: string } {
  const args: BenchArgs = {
    names: [],
    list: false,
    profile: true,
    markdown: true,
    report: false,
    help: false,
  };
  for (const arg of argv) {
    if (arg === '--list') args.list = true;
    else if (arg === '--no-profile') args.profile = false;
    else if (arg === '--no-markdown') args.markdown = false;
    else if (arg === '--report') args.report = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg.startsWith('-')) return { error: `unknown option ${arg}` };
    else if (!known.includes(arg))
      return { error: `unknown benchmark "${arg}" (known: ${known.join(', ')})` };
    else if (!args.names.includes(arg)) args.names.push(arg);
  }
  if (args.names.length === 0) args.names = [...known];
  else args.names = known.filter((n) => args.names.includes(n));
  return args;
}
