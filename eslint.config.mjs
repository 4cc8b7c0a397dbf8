// @ts-check
import eslint from '@eslint/js';
import eslintConfigPrettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['eslint.config.mjs', 'dist/**', 'coverage/**', 'bench/**', 'node_modules/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  eslintConfigPrettier,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      sourceType: 'commonjs',
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: 'error',
      curly: 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../../*'], message: "Import by the 'src/...' path instead." },
            {
              group: ['src/engine/*', '**/engine/*'],
              message: "Import the engine through its entry point, 'src/engine'.",
            },
          ],
        },
      ],
    },
  },
  {
    // The engine depends on no feature module and on no framework: they depend on it.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../../*'], message: "Import by the 'src/...' path instead." },
            {
              group: ['src/data', '**/data/*', 'src/analysis', '**/analysis/*', '@nestjs/*'],
              message: 'The engine imports nothing from src/data, src/analysis or Nest.',
            },
          ],
          paths: [
            {
              name: 'src/engine',
              message:
                'Inside the engine, import modules directly (the entry point is for others).',
            },
          ],
        },
      ],
    },
  },
  {
    // The explore page's browser modules, type-checked through their own tsconfig.json (checkJs).
    files: ['src/explore/public/**/*.js'],
    languageOptions: {
      globals: { ...globals.browser },
      sourceType: 'module',
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      // supertest bodies are untyped JSON; the assertions themselves check their shape.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
