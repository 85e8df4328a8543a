// `console` for a kernel cell checked before @types/node is loaded (Note [first cell] in
// kernel/src/executor.ts): first cells use console more than anything else of Node's, and
// @types/node is 2.3 MB to parse. It is declared the way @types/node and lib.dom declare it (an
// interface Console and a var of that type), so the declarations merge once Node's arrive.
interface Console {
  log(...data: any[]): void;
  info(...data: any[]): void;
  warn(...data: any[]): void;
  error(...data: any[]): void;
  debug(...data: any[]): void;
  trace(...data: any[]): void;
  dir(item?: any, options?: any): void;
  table(tabularData?: any, properties?: string[]): void;
  assert(condition?: boolean, ...data: any[]): void;
  count(label?: string): void;
  countReset(label?: string): void;
  group(...data: any[]): void;
  groupEnd(): void;
  time(label?: string): void;
  timeEnd(label?: string): void;
  timeLog(label?: string, ...data: any[]): void;
}
declare var console: Console;
