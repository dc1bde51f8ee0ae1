// `outpost` straight from the TypeScript sources, for tests that need a real process (its own environment,
// exit code and trust store) without a build: node --import tsx --conditions=@outpost/source this-file <args>.
import { runProcess } from '../src/main.js';

await runProcess(process.argv.slice(2));
