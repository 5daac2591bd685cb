import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Packs and installs the tarballs once for every test file (src/packed-project.ts).
    globalSetup: ['./src/packed-project.ts'],
  },
})
