/* What use cases and adapters need from an invocation's logger; InvocationContext satisfies it. */
export interface Log {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
