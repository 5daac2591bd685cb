import type { Input, InputCatalog } from '../engine/definition.js'

/**
 * A catalog of inputs you make yourself (records from an API, a queue, a
 * generator): each with an identity, the dates it is named for (or none),
 * a digest and an `open` that yields record batches. A function is called
 * afresh for each run.
 */
export function inputsFrom(inputs: readonly Input[] | (() => readonly Input[] | Promise<readonly Input[]>), options: { description?: string; spread?: number } = {}): InputCatalog {
  return {
    description: options.description ?? 'inputs',
    ...(options.spread !== undefined ? { spread: options.spread } : {}),
    async list() {
      const list = typeof inputs === 'function' ? await inputs() : inputs
      return { inputs: [...list], problems: [] }
    },
  }
}
