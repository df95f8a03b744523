// Unit specs sit beside the code; e2e suites in test/ drive the built service as real processes.
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
};

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default', '<rootDir>/test/utils/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: 'src',
      // With the checks of the Kubernetes manifests in deploy/.
      roots: ['<rootDir>', '<rootDir>/../test/deploy'],
      testRegex: '.*\\.spec\\.ts$',
      moduleFileExtensions: ['js', 'json', 'ts'],
      transform,
    },
    {
      // The dashboard's pure logic, compiled with its own tsconfig (DOM types, no Node).
      displayName: 'client',
      testEnvironment: 'node',
      rootDir: 'client/src',
      testRegex: '.*\\.spec\\.ts$',
      moduleFileExtensions: ['js', 'json', 'ts', 'tsx'],
      transform: {
        // The client tsconfig sets isolatedModules, so ts-jest only transpiles; tsc checks types.
        '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.json' }],
      },
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: 'test',
      testRegex: '.*\\.e2e-spec\\.ts$',
      moduleFileExtensions: ['js', 'json', 'ts'],
      transform,
      setupFilesAfterEnv: ['<rootDir>/utils/e2e-setup.ts'],
    },
  ],
};
