/**
 * Finds the exported declarations of `src/` that have no TSDoc comment (CONVENTIONS.md 7:
 * "TSDoc on every export"), with the TypeScript compiler's parser (no type checking, so it
 * takes well under a second).
 *
 * Counted: exported functions, classes, interfaces, type aliases, enums and variables (one
 * comment on the `export const` statement covers every name it declares), and the public
 * members of exported classes (constructors, methods, properties, accessors; not `private`,
 * `protected` or `#private` ones). A get/set pair, or a group of overloads, needs one
 * comment between them. Re-exports (`export { x } from "./y.js"`) are documented where `x`
 * is declared. Parameter properties (`constructor(readonly x: number)`) are covered by the
 * constructor's comment. A comment must say something: `/** *\/` alone does not count, nor
 * does a file's `@module` comment that happens to stand right above an export.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

/** Where an undocumented export is: `src/file.ts:line name` (`Class.member` for members). */
export interface Undocumented {
  readonly file: string;
  readonly line: number;
  readonly name: string;
}

/** Every `.ts` file below `dir` (not `.d.ts`), sorted. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Whether `node` carries a `/** ... *\/` comment with some text (in its body or a tag). */
function hasDoc(node: ts.Node): boolean {
  return ts.getJSDocCommentsAndTags(node).some((doc) => {
    // a file's `@module` comment directly above its first statement is not that statement's
    if (!ts.isJSDoc(doc) || (doc.tags ?? []).some((tag) => tag.tagName.text === "module")) return false;
    const text = (c: ts.JSDoc["comment"]): string => (typeof c === "string" ? c : (c ?? []).map((part) => part.text).join(""));
    return text(doc.comment).trim() !== "" || (doc.tags ?? []).some((tag) => text(tag.comment).trim() !== "" || ts.isJSDocDeprecatedTag(tag));
  });
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function isPublicMember(member: ts.ClassElement): boolean {
  if (ts.isClassStaticBlockDeclaration(member) || ts.isSemicolonClassElement(member) || ts.isIndexSignatureDeclaration(member)) return false;
  if (member.name !== undefined && ts.isPrivateIdentifier(member.name)) return false;
  const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) ?? [] : [];
  return !modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword);
}

function memberName(member: ts.ClassElement, source: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(member)) return "constructor";
  const name = member.name;
  if (name === undefined) return "(anonymous)";
  const text = ts.isComputedPropertyName(name) ? name.getText(source) : name.getText(source);
  const isStatic = (ts.canHaveModifiers(member) ? ts.getModifiers(member) ?? [] : []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
  return isStatic ? `static ${text}` : text;
}

/** The undocumented exports of one source text (`file` only names it in the result). */
export function undocumentedIn(file: string, text: string): Undocumented[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Undocumented[] = [];
  const report = (node: ts.Node, name: string): void => {
    found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, name });
  };
  for (const statement of source.statements) {
    if (!isExported(statement)) continue;
    if (ts.isVariableStatement(statement)) {
      if (!hasDoc(statement)) for (const d of statement.declarationList.declarations) report(d, d.name.getText(source));
      continue;
    }
    const named = ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement)
      || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement);
    if (!named) continue;
    const name = statement.name?.getText(source) ?? "default";
    // an overloaded function: one comment on any of its signatures is enough
    const siblings = ts.isFunctionDeclaration(statement)
      ? source.statements.filter((s) => ts.isFunctionDeclaration(s) && s.name?.getText(source) === name)
      : [statement];
    if (siblings[0] === statement && !siblings.some(hasDoc)) report(statement, name);
    if (ts.isClassDeclaration(statement)) {
      const groups = new Map<string, ts.ClassElement[]>();
      for (const member of statement.members) {
        if (!isPublicMember(member)) continue;
        const key = memberName(member, source);
        groups.set(key, [...(groups.get(key) ?? []), member]);
      }
      for (const [key, members] of groups) {
        if (!members.some(hasDoc)) report(members[0]!, `${name}.${key}`);
      }
    }
  }
  return found;
}

/** The undocumented exports of every `.ts` file below `srcDir`, paths relative to `root`. */
export function findUndocumented(root: string, srcDir: string): Undocumented[] {
  return sourceFiles(srcDir).flatMap((path) => undocumentedIn(relative(root, path), readFileSync(path, "utf8")));
}
