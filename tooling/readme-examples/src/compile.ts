import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import ts from 'typescript'
import type { ReadmeBlock } from './extract.js'

/** What {@link compileExamples} found and made. */
export interface CompiledExamples {
  /** Type errors, each as `packages/writer/README.md:31: TS2304 Cannot find name 'rows'.` */
  problems: string[]
  /** The JavaScript file emitted for each block, by its id. */
  outputs: Map<string, string>
}

/**
 * Writes each block to `<dir>/src/<id>.ts` (a module of its own: `export {}`
 * is appended, so that blocks never share a scope), typechecks them all in
 * one program with the repository's compiler settings (tooling/tsconfig's
 * base.json) and emits JavaScript beside them in `<dir>/out`. `dir` must lie
 * inside a package that depends on the `@parquetry/*` packages, so that
 * imports resolve to their built `dist/` as they do for a user.
 *
 * Unused locals and parameters are allowed: an example shows values a reader
 * goes on to use (`const status = await project.status()`).
 */
export function compileExamples(blocks: readonly ReadmeBlock[], dir: string): CompiledExamples {
  const sourceDir = join(dir, 'src')
  const outDir = join(dir, 'out')
  mkdirSync(sourceDir, { recursive: true })
  const byFile = new Map<string, ReadmeBlock>()
  for (const block of blocks) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(block.id)) throw new Error(`${block.readme}:${block.line}: example name ${JSON.stringify(block.id)} is not lower-case letters, digits and dashes`)
    const file = join(sourceDir, `${block.id}.ts`)
    if (byFile.has(file)) throw new Error(`${block.readme}:${block.line}: a second example named ${block.id}`)
    writeFileSync(file, `${block.code}\nexport {}\n`)
    byFile.set(file, block)
  }
  const basePath = createRequire(import.meta.url).resolve('@parquetry/tsconfig/base.json')
  const base = ts.readConfigFile(basePath, (path) => ts.sys.readFile(path))
  if (base.error) throw new Error(ts.flattenDiagnosticMessageText(base.error.messageText, '\n'))
  const config = base.config as { compilerOptions: Record<string, unknown> }
  const parsed = ts.parseJsonConfigFileContent(
    {
      compilerOptions: {
        ...config.compilerOptions,
        noUnusedLocals: false,
        noUnusedParameters: false,
        noEmit: false,
        declaration: false,
        sourceMap: false,
        rootDir: sourceDir,
        outDir,
      },
      files: [...byFile.keys()],
    },
    ts.sys,
    dir,
  )
  if (parsed.errors.length > 0) throw new Error(parsed.errors.map((error) => ts.flattenDiagnosticMessageText(error.messageText, '\n')).join('\n'))
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options })
  const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => describe(diagnostic, byFile))
  const emitted = program.emit()
  problems.push(...emitted.diagnostics.map((diagnostic) => describe(diagnostic, byFile)))
  const outputs = new Map<string, string>()
  for (const block of byFile.values()) outputs.set(block.id, join(outDir, `${block.id}.js`))
  return { problems, outputs }
}

/** A diagnostic at its place in the README (or in the file it is in, outside the examples). */
function describe(diagnostic: ts.Diagnostic, byFile: ReadonlyMap<string, ReadmeBlock>): string {
  const message = `TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`
  if (!diagnostic.file || diagnostic.start === undefined) return message
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
  const block = byFile.get(diagnostic.file.fileName)
  return block ? `${block.readme}:${block.line + line}: ${message}` : `${diagnostic.file.fileName}:${line + 1}: ${message}`
}
