// e2e suites start real processes; hooks and tests wait on conditions with their own deadlines.
jest.setTimeout(120_000);
