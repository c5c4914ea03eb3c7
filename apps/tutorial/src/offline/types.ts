/** A name a module offers to others, with what a reader needs to use it. */
export type ExportedSymbol = {
  name: string;
  /** `function`, `class`, `const`, `type`, `interface`, `enum`, `re-export`, ... */
  kind: string;
  /** The doc comment (TSDoc/JSDoc or Python docstring), markers stripped. */
  doc?: string;
  /** The first lines of its declaration. */
  excerpt?: string;
  /** 1-based line of the declaration. */
  line: number;
  /** A class's public methods, in source order. */
  members?: string[];
};

/** What static analysis learnt about one source file. */
export type ModuleFacts = {
  /** Import specifiers exactly as written (`./node.js`, `..utils`, `commander`). */
  imports: string[];
  exports: ExportedSymbol[];
  /** The file's own leading doc comment or module docstring. */
  doc?: string;
  /** Set when the parser gave up on part of the file; what was found is still used. */
  parseError?: string;
};
