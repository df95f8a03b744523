// The child-process entry of child-processes.spec.ts: the spec runs from src/, so its probe
// (probe-work.ts, through the real serveChildTask) is compiled as it loads.
require('ts-node/register/transpile-only');
require('./probe-work');
