import { type ParseArgsConfig, parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with our errors: unknown flags and bad values become a usage message, not a stack trace. */
export function parse<O extends Options>(argv: string[], options: O, help: string) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O & { help: { type: 'boolean'; short: 'h' } }; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message, help);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${help}\n`);
    return null;
  }
  return parsed;
}

export function num(value: string | undefined, name: string, fallback: number, check?: (n: number) => boolean): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || (check && !check(n))) throw new UsageError(`--${name} ${value} is not a valid value`);
  return n;
}
