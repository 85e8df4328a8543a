module.exports = {
  testEnvironment: "node",
  testMatch: ["**/test/**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
  // The examples import the package by name, as users do.
  moduleNameMapper: { "^torchlab$": "<rootDir>/runtime/index.ts", "^torchlab/plot$": "<rootDir>/runtime/plot/index.ts" },
};
