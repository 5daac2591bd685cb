import { describe, expect, it } from 'vitest'
import { extractBlocks } from './extract.js'

const markdown = [
  '# A package', //                                     1
  '', //                                                2
  '<!-- readme-example: first -->', //                  3
  '```ts', //                                           4
  "import { a } from 'a'", //                           5
  '```', //                                             6
  '', //                                                7
  '```sh', //                                           8
  'pnpm test', //                                       9
  '```', //                                            10
  '', //                                               11
  '- a list item:', //                                 12
  '', //                                               13
  '  ```ts', //                                        14
  '  const x = 1', //                                  15
  '', //                                               16
  '    indented()', //                                 17
  '  ```', //                                          18
  '', //                                               19
  '<!-- not-run: needs a server -->', //               20
  '', //                                               21
  '````typescript', //                                 22
  '```', //                                            23
  'inner()', //                                        24
  '````', //                                           25
  '<!-- readme-example: far -->', //                   26
  'A paragraph between the marker and the block.', // 27
  '```ts', //                                          28
  'far()', //                                          29
  '```', //                                            30
].join('\n')

describe('extractBlocks', () => {
  it('finds each ts block with its first line, marker and code as a reader copies it', () => {
    expect(extractBlocks(markdown, 'packages/example/README.md')).toEqual([
      { readme: 'packages/example/README.md', line: 5, code: "import { a } from 'a'", id: 'first', mode: { kind: 'run', name: 'first' } },
      { readme: 'packages/example/README.md', line: 15, code: 'const x = 1\n\n  indented()', id: 'example-15', mode: { kind: 'run', name: undefined } },
      { readme: 'packages/example/README.md', line: 23, code: '```\ninner()', id: 'example-23', mode: { kind: 'not-run', reason: 'needs a server' } },
      // A marker counts only on the last non-blank line before the fence.
      { readme: 'packages/example/README.md', line: 29, code: 'far()', id: 'example-29', mode: { kind: 'run', name: undefined } },
    ])
  })

  it('names the root README’s unmarked blocks after it', () => {
    expect(extractBlocks('text\n\n```ts\nroot()\n```\n', 'README.md').map((block) => block.id)).toEqual(['root-4'])
  })
})
