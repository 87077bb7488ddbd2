// The function's deployed entry (package.json "main"): dist/index.js, as tsc emits it, and all it
// imports, zod and yaml included, in one ES module, dist/function.mjs. `npm run build` runs tsc,
// then this. One file is what makes the cold start fast (docs/performance.md): one module to
// resolve and load instead of over a hundred, and an `.mjs` entry spares the framework its
// `read-package-up` import. The CLI, the scripts and the tests keep using dist/ as tsc emits it.
// Minified (a smaller file to read and compile at every cold start); stack traces then name
// dist/function.mjs positions, which the source map turns back into src/*.ts under
// `node --enable-source-maps`.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "rolldown";

const dist = fileURLToPath(new URL("./dist/", import.meta.url));

export default defineConfig({
  input: "dist/index.js",
  platform: "node",
  // The framework stays a package of its own: the function registers itself in the framework's
  // registry at import, and a bundled copy of the framework would hold a second registry that the
  // framework serving the requests never reads.
  external: [/^@google-cloud\/functions-framework(\/|$)/],
  plugins: [
    {
      // tsc's own source maps, read with its output, so that the bundle's map leads to src/*.ts.
      name: "tsc-source-maps",
      load(id) {
        if (!id.startsWith(dist) || !existsSync(`${id}.map`)) return null;
        return { code: readFileSync(id, "utf8"), map: JSON.parse(readFileSync(`${id}.map`, "utf8")) };
      },
    },
  ],
  output: {
    file: "dist/function.mjs",
    format: "esm",
    minify: true,
    sourcemap: true,
  },
});
