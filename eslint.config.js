// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "src/crds/generated/", "packages/cli/dist/"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-floating-promises": "error",
    },
  },
  {
    files: ["**/*.js"],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The core is pure: no I/O, no clients, nothing from the shell.
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["node:*", "@aws-sdk/*", "@kubernetes/*", "pino", "prom-client"],
              message: "src/core is pure: pass data in, not clients.",
            },
            {
              group: ["**/runtime/**", "**/controllers/**", "**/actuators/**", "**/signals/**"],
              message: "src/core imports only crds.",
            },
          ],
        },
      ],
    },
  },
  {
    // The generic Kubernetes machinery (informer, queue, leader election) knows nothing of Switchyard, so it can be
    // read, tested and replaced on its own.
    files: ["src/runtime/kube/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["../*"], message: "src/runtime/kube imports nothing of Switchyard." }],
        },
      ],
    },
  },
);
