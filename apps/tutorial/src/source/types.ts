/**
 * One file of the project being explained.
 * `path` is relative to the source root, with `/` separators on every platform.
 */
export type SourceFile = { path: string; content: string };
