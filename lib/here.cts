// The directory of the compiled library (lib/ under vitest, dist/esm or dist/cjs when built).
// A .cts file is CommonJS in every build, so `__dirname` is valid here both when the CommonJS
// output requires it and when the ES module output imports it; lib/native.ts finds the
// package root from it without `import.meta` (which the CommonJS output cannot contain).
export const here = __dirname;
