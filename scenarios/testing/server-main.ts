// A local test server in its own process (so its timers do not share the generator's event loop).
// argv[2]: JSON Behaviour. Prints {"url": "..."} on stdout when listening; stops on SIGTERM or stdin end.
import { startLocalServer, type Behaviour } from './local-servers.ts';

const server = await startLocalServer(JSON.parse(process.argv[2] ?? '{"kind":"trivial"}') as Behaviour);
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
const stop = () => void server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
