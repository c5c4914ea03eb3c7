import type { ExportedSymbol } from "./types.js";

/** The ESTree shape this module reads: a typed node with its span and whatever fields it has. */
type AstNode = { type: string; start: number; end: number; [field: string]: unknown };

/** What a symbol needs besides its name: its doc comment, declaration excerpt and line. */
export type Describe = (node: AstNode, statement: AstNode) => Omit<ExportedSymbol, "name" | "kind">;

const node = (value: unknown): AstNode | undefined =>
  value !== null && typeof value === "object" && typeof (value as { type?: unknown }).type === "string" ? (value as AstNode) : undefined;
const nameOf = (value: unknown): string | undefined => {
  const n = node(value);
  if (n?.type === "Identifier") return n.name as string;
  if (n?.type === "Literal" && typeof n.value === "string") return n.value;
  return undefined;
};

/** `module.exports` */
function isModuleExports(target: AstNode | undefined): boolean {
  return (
    target?.type === "MemberExpression" && !target.computed && nameOf(target.object) === "module" && nameOf(target.property) === "exports"
  );
}

/**
 * The CommonJS exports of a program's top level, the way express and most npm packages write them:
 *
 * - `module.exports = name` (the declaration of `name` is shown), `= function …`, `= class …`,
 *   `= { a, b: c }` (each key), `= require("./x")` (a re-export);
 * - `exports.x = …`, `module.exports.x = …`, and chains such as `exports = module.exports = f`;
 * - properties set on an alias of the exports object: `var app = exports = module.exports = {}`
 *   then `app.init = function …`, or `module.exports = req` then `req.get = function …`.
 */
export function commonJsExports(body: readonly AstNode[], describe: Describe): ExportedSymbol[] {
  const declarations = new Map<string, AstNode>();
  for (const statement of body) {
    if (statement.type === "FunctionDeclaration" || statement.type === "ClassDeclaration") {
      const name = nameOf(statement.id);
      if (name) declarations.set(name, statement);
    } else if (statement.type === "VariableDeclaration") {
      for (const declarator of (statement.declarations as AstNode[]) ?? []) {
        const name = nameOf(declarator.id);
        if (name) declarations.set(name, statement);
      }
    }
  }

  const aliases = new Set<string>();
  const exported: ExportedSymbol[] = [];
  const seen = new Set<string>();
  const add = (symbol: ExportedSymbol) => {
    if (seen.has(symbol.name)) return;
    seen.add(symbol.name);
    exported.push(symbol);
  };

  const exportValue = (value: AstNode, statement: AstNode) => {
    if (value.type === "Identifier") {
      const name = value.name as string;
      aliases.add(name);
      const declaration = declarations.get(name);
      add({
        name,
        kind: declaration ? kindOfDeclaration(declaration, name) : "value",
        ...describe(declaration ?? statement, declaration ?? statement),
      });
    } else if (value.type === "ObjectExpression") {
      for (const property of (value.properties as AstNode[]) ?? []) {
        const key = property.type === "Property" && !property.computed ? nameOf(property.key) : undefined;
        if (!key) continue;
        const inner = node(property.value);
        const declaration = inner?.type === "Identifier" ? declarations.get(inner.name as string) : undefined;
        add({
          name: key,
          kind: declaration ? kindOfDeclaration(declaration, inner!.name as string) : kindOfValue(inner),
          ...describe(declaration ?? property, declaration ?? statement),
        });
      }
    } else if (kindOfValue(value) === "re-export") {
      add({ name: nameOf((value.arguments as unknown[])?.[0]) ?? "module.exports", kind: "re-export", ...describe(statement, statement) });
    } else {
      const own = nameOf(value.id);
      add({ name: own ?? "module.exports", kind: kindOfValue(value), ...describe(statement, statement) });
    }
  };

  /** The targets of `a = b = c = value` and the value. */
  const chain = (expression: AstNode): { targets: AstNode[]; value: AstNode } => {
    const targets: AstNode[] = [];
    let current = expression;
    while (current.type === "AssignmentExpression" && current.operator === "=") {
      targets.push(current.left as AstNode);
      current = current.right as AstNode;
    }
    return { targets, value: current };
  };

  const visit = (targets: AstNode[], value: AstNode, statement: AstNode, declared?: string) => {
    const toModule = targets.some(isModuleExports) || (targets.some((t) => nameOf(t) === "exports") && targets.some(isModuleExports));
    if (toModule) {
      if (declared) aliases.add(declared);
      for (const target of targets) if (target.type === "Identifier") aliases.add(target.name as string);
      exportValue(value, statement);
      return;
    }
    for (const target of targets) {
      if (target.type !== "MemberExpression" || target.computed) continue;
      const object = node(target.object);
      const owner = isModuleExports(object) ? "exports" : nameOf(object);
      if (owner === "exports" || (owner && aliases.has(owner))) {
        const name = nameOf(target.property);
        if (name) add({ name, kind: kindOfValue(value), ...describe(statement, statement) });
      }
    }
  };

  for (const statement of body) {
    if (statement.type === "ExpressionStatement") {
      const expression = node(statement.expression);
      if (expression?.type !== "AssignmentExpression") continue;
      const { targets, value } = chain(expression);
      visit(targets, value, statement);
    } else if (statement.type === "VariableDeclaration") {
      for (const declarator of (statement.declarations as AstNode[]) ?? []) {
        const init = node(declarator.init);
        if (init?.type !== "AssignmentExpression") continue;
        const { targets, value } = chain(init);
        visit(targets, value, statement, nameOf(declarator.id));
      }
    }
  }
  return exported;
}

function kindOfDeclaration(declaration: AstNode, name: string): string {
  if (declaration.type === "FunctionDeclaration") return "function";
  if (declaration.type === "ClassDeclaration") return "class";
  const declarator = ((declaration.declarations as AstNode[]) ?? []).find((d) => nameOf(d.id) === name);
  return kindOfValue(node(declarator?.init));
}

function kindOfValue(value: AstNode | undefined): string {
  if (!value) return "value";
  if (value.type === "FunctionExpression" || value.type === "ArrowFunctionExpression") return "function";
  if (value.type === "ClassExpression") return "class";
  if (value.type === "ObjectExpression") return "object";
  if (value.type === "CallExpression" && nameOf(value.callee) === "require") return "re-export";
  return "value";
}
