import { type Comment, parseSync, Visitor } from "oxc-parser";
import { commonJsExports, type Describe } from "./commonjs.js";
import type { ExportedSymbol, ModuleFacts } from "./types.js";

const EXCERPT_LINES = 8;

type Span = { start: number; end: number };
type Declaration = Span & {
  type: string;
  id?: { name?: string } | null;
  declarations?: Array<{ id: { type: string; name?: string } }>;
  kind?: string;
};

/**
 * Imports, exports and doc comments of a JavaScript/TypeScript file, from oxc's parser (which also
 * reads JSX and TSX). `require("x")` and `import("x")` with literal specifiers count as imports.
 */
export function analyzeJavaScript(path: string, content: string): ModuleFacts {
  const result = parseSync(path, content, { sourceType: "unambiguous" });
  const imports = new Set<string>();
  for (const entry of result.module.staticImports) imports.add(entry.moduleRequest.value);
  for (const entry of result.module.staticExports) {
    for (const item of entry.entries) if (item.moduleRequest) imports.add(item.moduleRequest.value);
  }
  new Visitor({
    CallExpression(node) {
      const [argument] = node.arguments;
      const isRequire = node.callee.type === "Identifier" && node.callee.name === "require";
      if (isRequire && argument?.type === "Literal" && typeof argument.value === "string") imports.add(argument.value);
    },
    ImportExpression(node) {
      if (node.source.type === "Literal" && typeof node.source.value === "string") imports.add(node.source.value);
    },
  }).visit(result.program);

  const docs = docComments(result.comments, content);
  const exports: ExportedSymbol[] = [];
  for (const statement of result.program.body) {
    const doc = docs.before(statement.start);
    const line = lineOf(content, statement.start);
    if (statement.type === "ExportNamedDeclaration") {
      const declaration = statement.declaration as Declaration | null;
      if (declaration) {
        for (const name of declaredNames(declaration)) {
          const members = classMembers(declaration);
          exports.push({ name, kind: kindOf(declaration), doc, excerpt: excerpt(content, statement), line, ...(members && { members }) });
        }
      } else {
        for (const specifier of statement.specifiers) {
          const name = specifier.exported.type === "Identifier" ? specifier.exported.name : String(specifier.exported.value);
          exports.push({ name, kind: statement.source ? "re-export" : "export", doc, excerpt: excerpt(content, statement), line });
        }
      }
    } else if (statement.type === "ExportDefaultDeclaration") {
      exports.push({
        name: "default",
        kind: `default ${kindOf(statement.declaration as Declaration)}`,
        doc,
        excerpt: excerpt(content, statement),
        line,
      });
    } else if (statement.type === "ExportAllDeclaration") {
      const name = statement.exported
        ? statement.exported.type === "Identifier"
          ? statement.exported.name
          : String(statement.exported.value)
        : "*";
      exports.push({ name, kind: "re-export", doc, excerpt: content.slice(statement.start, statement.end), line });
    } else if (statement.type === "TSExportAssignment") {
      exports.push({ name: "export =", kind: "export", doc, excerpt: excerpt(content, statement), line });
    }
  }
  if (exports.length === 0) {
    const describe: Describe = (target, statement) => ({
      doc: docs.before(target.start) ?? docs.before(statement.start),
      excerpt: excerpt(content, target),
      line: lineOf(content, target.start),
    });
    exports.push(...commonJsExports(result.program.body as unknown as Parameters<typeof commonJsExports>[0], describe));
  }
  const first = result.program.body[0];
  const fileDoc = docs.leading(first ? first.start : content.length, first?.type === "ImportDeclaration");
  const parseError = result.errors[0]?.message;
  return { imports: [...imports], exports, doc: fileDoc, ...(parseError ? { parseError } : {}) };
}

/** The public methods and accessors of a class declaration (not the constructor, `#private`, `private` or `_internal` ones). */
function classMembers(declaration: Declaration): string[] | undefined {
  if (declaration.type !== "ClassDeclaration") return undefined;
  type Member = { type: string; kind?: string; accessibility?: string | null; key?: { type: string; name?: string } };
  const body = (declaration as unknown as { body?: { body?: Member[] } }).body?.body ?? [];
  const names = body.flatMap((member) => {
    const method = member.type === "MethodDefinition" || member.type === "TSAbstractMethodDefinition";
    const name = member.key?.type === "Identifier" ? member.key.name : undefined;
    if (!method || !name || member.kind === "constructor" || name.startsWith("_")) return [];
    return member.accessibility === "private" || member.accessibility === "protected" ? [] : [name];
  });
  return [...new Set(names)];
}

function declaredNames(declaration: Declaration): string[] {
  if (declaration.declarations) {
    return declaration.declarations.flatMap((item) => (item.id.type === "Identifier" && item.id.name ? [item.id.name] : []));
  }
  return declaration.id?.name ? [declaration.id.name] : [];
}

function kindOf(declaration: Declaration): string {
  const kinds: Record<string, string> = {
    FunctionDeclaration: "function",
    ClassDeclaration: "class",
    TSInterfaceDeclaration: "interface",
    TSTypeAliasDeclaration: "type",
    TSEnumDeclaration: "enum",
    TSModuleDeclaration: "namespace",
    ArrowFunctionExpression: "function",
    FunctionExpression: "function",
    ClassExpression: "class",
  };
  return declaration.type === "VariableDeclaration" ? (declaration.kind ?? "const") : (kinds[declaration.type] ?? "value");
}

/** The start of a declaration: whole when short, else its first lines and a marker. */
function excerpt(content: string, span: Span): string {
  const lines = content.slice(span.start, span.end).split("\n");
  if (lines.length <= EXCERPT_LINES) return lines.join("\n");
  return `${lines.slice(0, EXCERPT_LINES).join("\n")}\n  // …`;
}

function lineOf(content: string, offset: number): number {
  let line = 1;
  for (let i = content.indexOf("\n"); i !== -1 && i < offset; i = content.indexOf("\n", i + 1)) line++;
  return line;
}

/** Finds the `/** … *\/` comment that directly precedes a position (only whitespace between). */
function docComments(comments: Comment[], content: string) {
  const blocks = comments.filter((comment) => comment.type === "Block" && comment.value.startsWith("*"));
  const attachedTo = (position: number) =>
    blocks.findLast((comment) => comment.end <= position && content.slice(comment.end, position).trim() === "");
  return {
    before(position: number): string | undefined {
      const comment = attachedTo(position);
      return comment && cleanDoc(comment.value);
    },
    /** The file's own doc: a doc comment before the first statement that does not document a declaration. */
    leading(firstStatement: number, firstIsImport: boolean): string | undefined {
      const first = blocks[0];
      if (!first || first.end > firstStatement || (!firstIsImport && first === attachedTo(firstStatement))) return undefined;
      return cleanDoc(first.value);
    },
  };
}

/** Strips the `*` gutter of a doc comment. */
function cleanDoc(value: string): string | undefined {
  const text = value
    .replace(/^\*/, "")
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, ""))
    .join("\n")
    .trim();
  return text || undefined;
}
