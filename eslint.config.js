import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'server/src/generated/**', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  importX.flatConfigs.typescript,
  {
    files: ['**/*.{ts,tsx,js}'],
    languageOptions: { globals: { ...globals.node } },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['common/tsconfig.json', 'server/tsconfig.json', 'gateway/tsconfig.json', 'embedded/tsconfig.json', 'web/tsconfig.json', 'test/tsconfig.json'], noWarnOnMultipleProjects: true })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // The package graph (docs/architecture.md): common imports no other package of ours; server and gateway
  // import common and never each other; only embedded (the one-process composition) imports both. The
  // gateway never touches the database either.
  {
    files: ['common/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@autolabs/server/*', '@autolabs/gateway/*', '@autolabs/embedded/*', '**/server/src/*', '**/gateway/src/*', '**/embedded/src/*'] }],
    },
  },
  {
    files: ['server/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@autolabs/gateway/*', '@autolabs/embedded/*', '**/gateway/src/*', '**/embedded/src/*'] }],
    },
  },
  {
    files: ['gateway/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@autolabs/server/*', '@autolabs/embedded/*', '**/server/src/*', '**/embedded/src/*', '@prisma/*'] }],
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
