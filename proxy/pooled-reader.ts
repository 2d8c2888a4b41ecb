import net from 'node:net';

/**
 * Sockets whose reads land in pooled 64 KiB buffers through Node's `onread`
 * instead of a fresh buffer per read and a stream 'data' event: a bulk
 * transfer through the proxy then costs about half the CPU (mostly kernel
 * time the allocator's page faults and frees used to take). A buffer goes
 * back to the pool only when its reader says it was written and not kept.
 */
const SIZE = 64 << 10;
const POOL_MAX = 64;
const pool: Buffer[] = [];

const take = (): Buffer => pool.pop() ?? Buffer.allocUnsafe(SIZE);
const give = (buffer: Buffer): void => {
  if (pool.length < POOL_MAX) pool.push(buffer);
};

/** Gets each read; calls `release` once the chunk is no longer needed (or never, if something keeps it). */
export type ReadHandler = (chunk: Buffer, release: () => void) => void;

export interface PooledSocket {
  readonly socket: net.Socket;
  /** Where reads go from now on (reads that came before are handed over first). */
  setReader(reader: ReadHandler): void;
}

function pooledReads(): { onread: net.OnReadOpts; setReader(reader: ReadHandler): void } {
  let reader: ReadHandler | null = null;
  const early: Buffer[] = [];
  const onread: net.OnReadOpts = {
    buffer: take,
    callback: (bytes, buffer) => {
      const chunk = (buffer as Buffer).subarray(0, bytes);
      if (reader) reader(chunk, () => give(buffer as Buffer));
      else early.push(chunk);
      return true;
    },
  };
  return {
    onread,
    setReader(r) {
      reader = r;
      for (const chunk of early.splice(0)) r(chunk, () => {});
    },
  };
}

/**
 * Takes over a socket a net.Server accepted with pauseOnConnect (a server
 * cannot be given `onread`): its handle moves to a new socket that reads
 * into the pool, paused until the reader resumes it.
 */
export function adoptAccepted(
  accepted: net.Socket,
  options: { allowHalfOpen: boolean; highWaterMark: number },
): PooledSocket {
  const reads = pooledReads();
  const internal = accepted as unknown as { _handle: unknown };
  const handle = internal._handle;
  internal._handle = null;
  // The accepted socket, now without its handle, closes at once (and net.Server counts it gone).
  accepted.destroy();
  const socket = new net.Socket({
    handle,
    allowHalfOpen: options.allowHalfOpen,
    highWaterMark: options.highWaterMark,
    readable: true,
    writable: true,
    pauseOnCreate: true,
    onread: reads.onread,
  } as net.SocketConstructorOpts);
  socket.setNoDelay(true);
  socket.pause();
  return { socket, setReader: reads.setReader };
}

export function connectPooled(options: net.TcpNetConnectOpts): PooledSocket {
  const reads = pooledReads();
  const socket = net.connect({ ...options, onread: reads.onread });
  return { socket, setReader: reads.setReader };
}
