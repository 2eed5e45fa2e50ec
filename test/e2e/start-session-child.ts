// Run as a separate process: `node --import tsx start-session-child.ts <home> <workspace> <goal>` starts one session
// of acme.linear in the store under <home> and prints its id.
import { startOneSession } from '../integration/console-api-fixture.js';

const [home, workspace, goal] = process.argv.slice(2);
if (home === undefined || workspace === undefined || goal === undefined) throw new Error('usage: <home> <ws> <goal>');
process.stdout.write(`${startOneSession(home, workspace, goal)}\n`);
