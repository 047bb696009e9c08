/** Command-line flags of `npm run bench`. */
export interface BenchOptions {
  /** Seconds of measured load per run of a scenario. */
  durationSeconds: number;
  /** Seconds of unmeasured load before each run (JIT, caches, connection setup). */
  warmupSeconds: number;
  /** Connections per load run. */
  connections: number;
  /** Rounds of A B per scenario against the peer (A B A B is 2). */
  rounds: number;
  /** Rows of access tokens and grants for the growth runs. */
  growthTokens: number;
  growthApps: number;
  postgres: boolean;
  growth: boolean;
  /** Start Latchkey with --cpu-prof and print the top self-time functions per phase. */
  profile: boolean;
  /** Only these scenario ids (comma-separated), for development. */
  only: Set<string> | null;
  /** Write docs/benchmarks.md: complete runs only, unless --write-docs. */
  writeDocs: boolean;
  quick: boolean;
  /** Only rewrite docs/benchmarks.md from bench/results/latest.json (after editing the report's text). */
  fromResults: boolean;
}

const usage = `npm run bench -- [options]
  --quick              2 s per run, 1 round, 100k growth rows
                       (quick or partial runs -- --only, --no-postgres, --no-growth, --profile --
                       print their table but leave docs/benchmarks.md alone)
  --duration=SECONDS   measured seconds per run (default 4)
  --warmup=SECONDS     unmeasured seconds before each run (default 1)
  --connections=N      connections per run (default 10)
  --rounds=N           A B rounds per scenario (default 2: A B A B)
  --growth-tokens=N    stored tokens for the growth runs (default 1000000)
  --growth-apps=N      stored apps for the growth runs (default 10000)
  --no-postgres        skip PostgreSQL
  --no-growth          skip the growth runs and the sweeper
  --only=a,b           only these scenarios (ids as in the table)
  --profile            run Latchkey with --cpu-prof and print the top self-time functions
  --write-docs         write docs/benchmarks.md even from a quick or partial run
  --from-results       measure nothing: rewrite docs/benchmarks.md from bench/results/latest.json`;

function numberFlag(name: string, value: string, min: number): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min) throw new Error(`--${name} must be a number >= ${min}, got ${value}\n${usage}`);
  return parsed;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    durationSeconds: quick ? 2 : 4,
    warmupSeconds: 1,
    connections: 10,
    rounds: quick ? 1 : 2,
    growthTokens: quick ? 100_000 : 1_000_000,
    growthApps: quick ? 1_000 : 10_000,
    postgres: true,
    growth: true,
    profile: false,
    only: null,
    writeDocs: false,
    quick,
    fromResults: false,
  };
  let writeDocsAnyway = false;
  for (const arg of argv) {
    const [flag, value = ''] = arg.split('=', 2) as [string, string?];
    switch (flag) {
      case '--quick':
        break;
      case '--duration':
        options.durationSeconds = numberFlag('duration', value, 1);
        break;
      case '--warmup':
        options.warmupSeconds = numberFlag('warmup', value, 0);
        break;
      case '--connections':
        options.connections = numberFlag('connections', value, 1);
        break;
      case '--rounds':
        options.rounds = numberFlag('rounds', value, 1);
        break;
      case '--growth-tokens':
        options.growthTokens = numberFlag('growth-tokens', value, 1000);
        break;
      case '--growth-apps':
        options.growthApps = numberFlag('growth-apps', value, 10);
        break;
      case '--no-postgres':
        options.postgres = false;
        break;
      case '--no-growth':
        options.growth = false;
        break;
      case '--only':
        options.only = new Set(value.split(',').filter(Boolean));
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--write-docs':
        writeDocsAnyway = true;
        break;
      case '--from-results':
        options.fromResults = true;
        break;
      case '--help':
        process.stdout.write(`${usage}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}\n${usage}`);
    }
  }
  // docs/benchmarks.md holds complete runs only: a quick or partial run prints its table and leaves the file alone.
  const complete = !quick && options.postgres && options.growth && !options.profile && options.only === null;
  options.writeDocs = writeDocsAnyway || complete;
  return options;
}
